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

/**
 * A local Serverless plugin: the `${stageParams:}` variable source. serverless.yml reads every
 * parameter through it (`custom.params`), so a bad one stops any command during variable
 * resolution, before a `${self:custom.apiEvents.${...}}` lookup could fail on it, and in one message
 * (every other property depends on `custom.params` and shares its error).
 */
export class StageParamsPlugin {
  readonly configurationVariablesSources = {
    stageParams: { resolve: (input: VariableSourceInput) => this.resolve(input) },
  };

  constructor(private readonly serverless: Serverless) {}

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
