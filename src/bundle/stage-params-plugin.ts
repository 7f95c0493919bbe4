import { type ApiAuthMode, type HttpApiEvent, httpApiEvents } from "./http-api-routes";
import { describeStageParamIssues, stageParamsSchema } from "./stage-params";

/** The parts of the Serverless Framework v3 (osls) plugin API this plugin uses. */
interface Serverless {
  readonly processedInput: { readonly commands: readonly string[]; readonly options: { param?: string[] } };
  readonly classes: { readonly Error: new (message: string) => Error };
}
interface VariableSourceInput {
  readonly resolveVariable: (variable: string) => Promise<unknown>;
}

/** What `${stageParams:}` resolves to: every parameter, plus the VPC block when both halves are given. */
export interface ResolvedStageParams extends Record<string, unknown> {
  readonly vpc: { readonly subnetIds: string[]; readonly securityGroupIds: string[] } | null;
}

const PARAM_NAMES = Object.keys(stageParamsSchema({ plaintextSecrets: false }).shape);

const isApiAuthMode = (value: unknown): value is ApiAuthMode =>
  value === "iam" || value === "jwt" || value === "none";

/**
 * A local Serverless plugin with two variable sources:
 * - `${stageParams:}`: serverless.yml reads every parameter through it (`custom.params`), so a bad
 *   one stops any command during variable resolution, before anything else could fail on it, and in
 *   one message (every other property depends on `custom.params` and shares its error);
 * - `${apiRoutes:}`: the api function's HTTP API events, built from the route table
 *   (src/http/route-table.ts) for the validated `apiAuth`, so serverless.yml lists no route and the
 *   deployed routes cannot drift from the ones served locally.
 */
export class StageParamsPlugin {
  readonly configurationVariablesSources = {
    stageParams: { resolve: (input: VariableSourceInput) => this.resolve(input) },
    apiRoutes: { resolve: (input: VariableSourceInput) => this.resolveRoutes(input) },
  };

  constructor(private readonly serverless: Serverless) {}

  private async resolveRoutes({ resolveVariable }: VariableSourceInput): Promise<{ value: HttpApiEvent[] }> {
    // Through custom.params, so a bad apiAuth fails with the stage parameters' one message.
    const mode = await resolveVariable("self:custom.params.apiAuth");
    if (!isApiAuthMode(mode)) {
      throw new this.serverless.classes.Error(`\${apiRoutes:} needs a valid apiAuth; got ${String(mode)}`);
    }
    return { value: httpApiEvents(mode) };
  }

  private async resolve({ resolveVariable }: VariableSourceInput): Promise<{ value: ResolvedStageParams }> {
    const given: Record<string, string> = {};
    for (const name of PARAM_NAMES) given[name] = String((await resolveVariable(`param:${name}, ''`)) ?? "");
    const schema = stageParamsSchema({
      plaintextSecrets: this.serverless.processedInput.commands[0] === "offline",
    });
    const parsed = schema.safeParse(given);
    const unknown = (this.serverless.processedInput.options.param ?? [])
      .map((item) => item.split("=")[0] ?? "")
      .filter((name) => !PARAM_NAMES.includes(name))
      .map((name) => ({
        code: "custom" as const,
        path: [name],
        message: `is not a parameter of this service; known: ${PARAM_NAMES.join(", ")}`,
        input: undefined,
      }));
    if (!parsed.success || unknown.length > 0) {
      const issues = [...unknown, ...(parsed.error?.issues ?? [])];
      throw new this.serverless.classes.Error(describeStageParamIssues(issues, given));
    }
    const { vpcSubnetIds, vpcSecurityGroupIds } = parsed.data;
    return {
      value: {
        ...given,
        vpc:
          vpcSubnetIds.length === 0
            ? null
            : { subnetIds: vpcSubnetIds, securityGroupIds: vpcSecurityGroupIds },
      },
    };
  }
}
