import { describe, expect, it } from "vitest";
import { BackendUnreachableError } from "../../src/errors/backend-errors";
import { eksCredential, eksToken } from "../../src/kubernetes/eks-token";
import { expectedSignature, verifyEksToken } from "../support/eks-token-verify";

// Fixed credentials (AWS's documented example key) with a session token, as a Lambda role has;
// the token holds '+', '/' and '=' so the URL encoding of every character class is exercised.
const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjE+/session==",
};
const SIGNED_AT = new Date("2026-11-25T20:00:00Z");
const OPTIONS = { clusterName: "prod-eu", region: "eu-west-1", credentials: CREDENTIALS };

describe("the EKS token, checked as aws-iam-authenticator's Verify and STS check it", () => {
  it("passes every rule of Verify: prefix, base64url without padding, https, regional STS host, path, whitelisted single parameters, action, signed x-k8s-aws-id, X-Amz-Expires, X-Amz-Date", async () => {
    const { token } = await eksToken(OPTIONS, SIGNED_AT);
    expect(token.startsWith("k8s-aws-v1.")).toBe(true);
    expect(token).not.toContain("=");
    const verdict = verifyEksToken(token, {
      region: "eu-west-1",
      now: new Date(SIGNED_AT.getTime() + 14 * 60_000),
    });
    expect(verdict).toMatchObject({ ok: true });
    if (!verdict.ok) return;
    expect(verdict.url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(Object.fromEntries(verdict.params)).toMatchObject({
      action: "GetCallerIdentity",
      version: "2011-06-15",
      "x-amz-algorithm": "AWS4-HMAC-SHA256",
      "x-amz-credential": "AKIDEXAMPLE/20261125/eu-west-1/sts/aws4_request",
      "x-amz-date": "20261125T200000Z",
      "x-amz-expires": "60",
      "x-amz-security-token": CREDENTIALS.sessionToken,
      "x-amz-signedheaders": "host;x-k8s-aws-id",
    });
  });

  it("carries the signature STS computes for the request the authenticator sends (x-k8s-aws-id: the cluster)", async () => {
    const { token } = await eksToken(OPTIONS, SIGNED_AT);
    const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString());
    const headers = { host: url.host, "x-k8s-aws-id": "prod-eu" };
    expect(url.searchParams.get("X-Amz-Signature")).toBe(
      expectedSignature(url, headers, CREDENTIALS.secretAccessKey),
    );
    // The cluster name is bound: the same URL presented to another cluster does not verify.
    expect(url.searchParams.get("X-Amz-Signature")).not.toBe(
      expectedSignature(url, { ...headers, "x-k8s-aws-id": "other" }, CREDENTIALS.secretAccessKey),
    );
  });

  it("is refused by Verify once its 15 minutes have run out", async () => {
    const { token, expiresAt } = await eksToken(OPTIONS, SIGNED_AT);
    expect(expiresAt).toBe(SIGNED_AT.getTime() + 15 * 60_000);
    expect(verifyEksToken(token, { region: "eu-west-1", now: new Date(expiresAt + 1000) })).toEqual({
      ok: false,
      error: "X-Amz-Date parameter is expired",
    });
  });

  it("uses China's STS domain in China regions", async () => {
    const { token } = await eksToken({ ...OPTIONS, region: "cn-north-1" }, SIGNED_AT);
    expect(new URL(Buffer.from(token.slice(11), "base64url").toString()).host).toBe(
      "sts.cn-north-1.amazonaws.com.cn",
    );
  });
});

describe("the verifier in this test rejects what aws-iam-authenticator's own tests reject", () => {
  const toToken = (url: string) => `k8s-aws-v1.${Buffer.from(url).toString("base64url")}`;
  const at = { region: "us-east-2", now: new Date("2026-11-25T20:05:00Z") };
  const date = "20261125T200000Z";
  it.each([
    ["k8s-aws-v2.asdfasdfa", "prefix"],
    ["k8s-aws-v1.decodingerror=", "illegal base64 data"],
    [toToken(":ab:cd.af:/asda"), "missing protocol scheme"],
    [toToken("http://"), "unexpected scheme"],
    [toToken("https://google.com"), "unexpected hostname"],
    [toToken("https://sts.amazonaws.com/abc"), "unexpected path"],
    [toToken("https://sts.amazonaws.com/?NoInWhiteList=abc"), "non-whitelisted"],
    [toToken("https://sts.amazonaws.com/?action=get&action=post"), "multiple values"],
    [toToken("https://sts.amazonaws.com/?action=NotGetCallerIdenity"), "unexpected action"],
    [
      toToken(
        "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=abc%3bx-k8s-aws-i%3bdef",
      ),
      "did not sign the x-k8s-aws-id",
    ],
    [
      toToken(
        `https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=${date}&x-amz-expires=9999999`,
      ),
      "X-Amz-Expires",
    ],
    [
      toToken(
        "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=xxxxxxx&x-amz-expires=60",
      ),
      "error parsing X-Amz-Date",
    ],
    [
      toToken(
        "https://sts.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=19900422T010203Z&x-amz-expires=60",
      ),
      "expired",
    ],
  ])("%s is refused (%s)", (token, error) => {
    const verdict = verifyEksToken(token, at);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? "" : verdict.error).toContain(error);
  });

  it("accepts their valid example", () => {
    const url = `https://sts.us-east-2.amazonaws.com/?action=GetCallerIdentity&x-amz-signedheaders=x-k8s-aws-id&x-amz-date=${date}&x-amz-expires=60`;
    expect(verifyEksToken(toToken(url), at).ok).toBe(true);
  });
});

describe("the EKS credential of a warm container", () => {
  const clock = (start: Date) => {
    let now = start.getTime();
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };
  const signedDate = (token: string) =>
    new URL(Buffer.from(token.slice(11), "base64url").toString()).searchParams.get("X-Amz-Date");

  it("reuses one token and builds a new one a minute before its 15 minutes run out", async () => {
    const time = clock(SIGNED_AT);
    let loads = 0;
    const credential = eksCredential({
      ...OPTIONS,
      credentials: async () => {
        loads += 1;
        return CREDENTIALS;
      },
      now: time.now,
    });
    const [first, concurrent] = await Promise.all([credential.token(), credential.token()]);
    expect(concurrent).toBe(first);
    time.advance(13 * 60_000 + 59_000);
    expect(await credential.token()).toBe(first);
    time.advance(1000);
    const second = await credential.token();
    expect(signedDate(first)).toBe("20261125T200000Z");
    expect(signedDate(second)).toBe("20261125T201400Z");
    expect(loads).toBe(2);
  });

  it("renews before the credentials themselves expire, when they end first", async () => {
    const time = clock(SIGNED_AT);
    const expiration = new Date(SIGNED_AT.getTime() + 5 * 60_000);
    const credential = eksCredential({
      ...OPTIONS,
      credentials: { ...CREDENTIALS, expiration },
      now: time.now,
    });
    const first = await credential.token();
    time.advance(4 * 60_000);
    expect(await credential.token()).not.toBe(first);
  });

  it("makes a failing credential chain a 503-class error naming the cause, and tries again next time", async () => {
    let calls = 0;
    const credential = eksCredential({
      ...OPTIONS,
      credentials: async () => {
        calls += 1;
        if (calls === 1) throw new Error("Could not load credentials from any providers");
        return CREDENTIALS;
      },
      now: () => SIGNED_AT.getTime(),
    });
    const error = await credential.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnreachableError);
    expect((error as Error).message).toContain("Could not load credentials from any providers");
    expect(await credential.token()).toMatch(/^k8s-aws-v1\./);
  });
});
