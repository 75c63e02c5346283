// Lambda (REST-JSON): function configurations, the account's concurrency quota and event source
// mappings, enough for tuning, the quota check and the sweep.
import { randomUUID } from "node:crypto";
import { ACCOUNT_ID, AwsError, definedOnly, REGION, type ModelClock, type ServiceModel } from "./shared";

export class LambdaModel implements ServiceModel {
    readonly invalidToken = ["UnrecognizedClientException", 403] as const;
    readonly operations = {
        GetFunctionConfiguration: (body: any) => this.getFunctionConfiguration(body.FunctionName),
        GetAccountSettings: () => this.accountSettings(),
        ListFunctions: (body: any) => {
            const page = this.clock.page(
                [...this.functions.keys()].sort(),
                body.MaxItems,
                body.Marker,
                "ListFunctions",
                50,
                "InvalidParameterValueException",
            );
            return {
                Functions: page.items.map((arn) => this.getFunctionConfiguration(arn)),
                ...definedOnly({ NextMarker: page.nextToken }),
            };
        },
        DeleteFunction: (body: any) => {
            const { FunctionArn } = this.getFunctionConfiguration(body.FunctionName) as { FunctionArn: string };
            // Every version and alias goes with the function; its event source mappings stay, as on AWS.
            this.functions.delete(FunctionArn);
            return {};
        },
        ListEventSourceMappings: (body: any) => {
            const functionArn =
                body.FunctionName === undefined
                    ? undefined
                    : (this.getFunctionConfiguration(body.FunctionName) as { FunctionArn: string }).FunctionArn;
            const uuids = [...this.eventSourceMappings]
                .filter(([, arn]) => functionArn === undefined || arn === functionArn)
                .map(([uuid]) => uuid);
            const page = this.clock.page(
                uuids,
                body.MaxItems,
                body.Marker,
                "ListEventSourceMappings",
                100,
                "InvalidParameterValueException",
            );
            return {
                EventSourceMappings: page.items.map((uuid) => this.wireEventSourceMapping(uuid, "Enabled")),
                ...definedOnly({ NextMarker: page.nextToken }),
            };
        },
        DeleteEventSourceMapping: (body: any) => {
            if (!this.eventSourceMappings.has(body.UUID))
                throw new AwsError(
                    "ResourceNotFoundException",
                    `The resource you requested does not exist. (Service: Lambda, UUID ${body.UUID})`,
                    404,
                );
            const answer = this.wireEventSourceMapping(body.UUID, "Deleting");
            this.eventSourceMappings.delete(body.UUID);
            return answer;
        },
    };
    private readonly functions = new Map<string, Record<string, unknown>>();
    /** Event source mapping UUID → the ARN of the function it invokes. */
    private readonly eventSourceMappings = new Map<string, string>();
    /** GetAccountSettings' AccountLimit: a new account's quota of 10 unless set. */
    private accountLimit: { ConcurrentExecutions: number; UnreservedConcurrentExecutions: number } = {
        ConcurrentExecutions: 10,
        UnreservedConcurrentExecutions: 10,
    };

    constructor(private readonly clock: ModelClock) {}

    unimplemented(operation: string): AwsError {
        return new AwsError("UnknownOperationException", `FakeAws does not implement Lambda ${operation}`, 404);
    }

    setFunctionConfiguration(functionArn: string, configuration: Record<string, unknown>): void {
        this.functions.set(functionArn, configuration);
    }

    /** Changes part of a function's configuration, as UpdateFunctionCode or UpdateFunctionConfiguration would. */
    changeFunction(functionArn: string, changes: Record<string, unknown>): void {
        this.functions.set(functionArn, { ...this.functions.get(functionArn), ...changes });
    }

    /** A function named `name` in the model's account and region, last modified at `lastModified` (model clock, epoch ms). */
    addFunction(name: string, lastModified = this.clock.now()): string {
        const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
        this.setFunctionConfiguration(arn, { LastModified: lambdaTime(lastModified), Runtime: "nodejs22.x" });
        return arn;
    }

    /** Names of the functions that exist. */
    functionNames(): string[] {
        return [...this.functions.keys()].map((arn) => arn.split(":function:")[1]).sort();
    }

    /** An event source mapping invoking the named function; returns its UUID. */
    addEventSourceMapping(functionName: string): string {
        const uuid = randomUUID();
        this.eventSourceMappings.set(uuid, `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`);
        return uuid;
    }

    /** UUIDs of the event source mappings that exist. */
    eventSourceMappingIds(): string[] {
        return [...this.eventSourceMappings.keys()];
    }

    /** The account's Lambda concurrency quota and what functions have not reserved of it (GetAccountSettings). */
    setLambdaConcurrency(concurrentExecutions: number, unreservedConcurrentExecutions = concurrentExecutions): void {
        this.accountLimit = { ConcurrentExecutions: concurrentExecutions, UnreservedConcurrentExecutions: unreservedConcurrentExecutions };
    }

    private wireEventSourceMapping(uuid: string, state: string): object {
        return {
            UUID: uuid,
            FunctionArn: this.eventSourceMappings.get(uuid),
            State: state,
            EventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:queue-${uuid.slice(0, 8)}`,
        };
    }

    private accountSettings(): object {
        return {
            AccountLimit: {
                ...this.accountLimit,
                TotalCodeSize: 80_530_636_800,
                CodeSizeUnzipped: 262_144_000,
                CodeSizeZipped: 52_428_800,
            },
            AccountUsage: { TotalCodeSize: 0, FunctionCount: this.functions.size },
        };
    }

    private getFunctionConfiguration(functionName: string): object {
        // FunctionName may be a name, a partial ARN or a full (possibly qualified) ARN.
        const nameOf = (value: string) => (value.includes(":function:") ? value.split(":function:")[1].split(":")[0] : value);
        const wanted = nameOf(functionName);
        const entry = [...this.functions].find(([arn]) => nameOf(arn) === wanted);
        if (!entry) {
            throw new AwsError(
                "ResourceNotFoundException",
                `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${wanted}`,
                404,
            );
        }
        const [functionArn, configuration] = entry;
        return { FunctionName: wanted, FunctionArn: functionArn, ...configuration };
    }
}

/** Lambda's LastModified format: `2026-11-26T17:15:15.326+0000`. */
function lambdaTime(epochMs: number): string {
    return new Date(epochMs).toISOString().replace("Z", "+0000");
}
