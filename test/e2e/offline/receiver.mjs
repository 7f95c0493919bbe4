// Records each report it receives on stdout, where the test reads it.
export const handler = async (event) => {
  console.log(
    `REPORT_RECEIVED ${JSON.stringify({ id: event.id, rows: event.rows?.length, mesh: event.mesh })}`,
  );
  return { received: event.id };
};
