// Lambda: the tuned functions' configurations, the account's concurrency, and what a sweep removes.
import {
    DeleteEventSourceMappingCommand,
    DeleteFunctionCommand,
    GetAccountSettingsCommand,
    GetFunctionConfigurationCommand,
    LambdaClient,
    paginateListEventSourceMappings,
    paginateListFunctions,
} from "@aws-sdk/client-lambda";
import { lambdaTimestamp } from "../core/sweep";
import type { LambdaFunctions, SweepableFunctions } from "./ports";
import { answeredByAws, clientConfig, type Credentials, everyPage } from "./sdk";

export function lambdaFunctionsClient(credentials?: Credentials): LambdaFunctions {
    const client = answeredByAws(new LambdaClient(clientConfig(credentials)), "json");
    return {
        functionConfiguration: (functionArn) => client.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn })),
        functionsNamed: (prefix) =>
            everyPage(paginateListFunctions({ client }, {}), (page) =>
                page.Functions?.flatMap((fn) =>
                    fn.FunctionName?.startsWith(prefix) === true && fn.FunctionArn !== undefined
                        ? [{ name: fn.FunctionName, arn: fn.FunctionArn }]
                        : [],
                ),
            ),
        async unreservedConcurrency() {
            const { AccountLimit } = await client.send(new GetAccountSettingsCommand({}));
            return unreservedConcurrencyOf(AccountLimit);
        },
    };
}

/** The account's unreserved concurrency as GetAccountSettings reports it. */
export function unreservedConcurrencyOf(limit: { readonly UnreservedConcurrentExecutions?: number } | undefined): number {
    const unreserved = limit?.UnreservedConcurrentExecutions;
    if (unreserved === undefined) throw new Error("GetAccountSettings named no UnreservedConcurrentExecutions");
    return unreserved;
}

/** Lambda functions as a sweep lists and removes them (every page). */
export function sweepableFunctionsClient(credentials?: Credentials): SweepableFunctions {
    const lambda = answeredByAws(new LambdaClient(clientConfig(credentials)), "json");
    return {
        list: () =>
            everyPage(paginateListFunctions({ client: lambda }, {}), (page) =>
                page.Functions?.map((fn) => ({ name: fn.FunctionName!, createdAt: lambdaTimestamp(fn.LastModified) })),
            ),
        eventSourceMappings: (functionName) =>
            everyPage(paginateListEventSourceMappings({ client: lambda }, { FunctionName: functionName }), (page) =>
                page.EventSourceMappings?.map((mapping) => mapping.UUID!),
            ),
        async deleteEventSourceMapping(uuid) {
            await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
        },
        async delete(functionName) {
            await lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));
        },
    };
}
