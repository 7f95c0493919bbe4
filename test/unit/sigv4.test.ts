import { describe, expect, it } from "vitest";
import { sigV4Signer } from "../../src/prometheus/sigv4";

// AWS's published Signature Version 4 test suite: its credentials, region, service and instant.
const suite = sigV4Signer({
  region: "us-east-1",
  service: "service",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  signingDate: () => new Date("2015-08-30T12:36:00Z"),
});

describe("SigV4 signing against AWS's published test vectors", () => {
  it("signs post-x-www-form-urlencoded, body included", async () => {
    const headers = await suite({
      method: "POST",
      url: new URL("https://example.amazonaws.com/"),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Param1=value1",
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    );
    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
  });

  it("signs post-vanilla-query", async () => {
    const headers = await suite({
      method: "POST",
      url: new URL("https://example.amazonaws.com/?Param1=value1"),
      headers: {},
      body: "",
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    );
  });

  it("changes the signature when the body changes, so the query itself is signed", async () => {
    const sign = (body: string) =>
      suite({
        method: "POST",
        url: new URL("https://example.amazonaws.com/"),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    expect((await sign("query=up")).authorization).not.toBe((await sign("query=down")).authorization);
  });
});
