// CloudWatch Logs (JSON 1.1): log groups, as the sweep lists and deletes them.
import { ACCOUNT_ID, AwsError, definedOnly, REGION, requireString, type ModelClock, type ServiceModel, unknownOperation } from "./shared";

export class LogsModel implements ServiceModel {
    readonly invalidToken = ["UnrecognizedClientException", 400] as const;
    readonly operations = {
        DescribeLogGroups: (input: any) => this.describeLogGroups(input),
        DeleteLogGroup: (input: any) => this.deleteLogGroup(input),
    };
    /** Log groups by name, with their creation time (epoch ms, model clock). */
    readonly logGroups = new Map<string, { creationTime: number }>();

    constructor(private readonly clock: ModelClock) {}

    readonly unimplemented = unknownOperation;

    addLogGroup(name: string, creationTime = this.clock.now()): void {
        this.logGroups.set(name, { creationTime });
    }

    private describeLogGroups(input: any): object {
        const prefix: string = input.logGroupNamePrefix ?? "";
        const names = [...this.logGroups.keys()].filter((name) => name.startsWith(prefix)).sort();
        const page = this.clock.page(names, input.limit, input.nextToken, "DescribeLogGroups", 50, "InvalidParameterException");
        const groups = page.items.map((name) => ({
            logGroupName: name,
            creationTime: this.logGroups.get(name)!.creationTime,
            arn: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}:*`,
            storedBytes: 0,
        }));
        return { logGroups: groups, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private deleteLogGroup(input: any): object {
        const name = requireString(input, "logGroupName", "InvalidParameterException");
        if (!this.logGroups.delete(name)) throw new AwsError("ResourceNotFoundException", "The specified log group does not exist.");
        return {};
    }
}
