// Step Functions: the power-tuning executions, and the pull-request workflow's running ones.
import {
    DescribeExecutionCommand,
    GetExecutionHistoryCommand,
    paginateListExecutions,
    SFNClient,
    StartExecutionCommand,
    StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionEvent, ExecutionStatus } from "../core/types";
import type { StepFunctions, SweepableResources } from "./ports";
import { answeredByAws, clientConfig, type Credentials, everyPage, RETRIES } from "./sdk";

export function stepFunctionsClient(credentials?: Credentials): StepFunctions {
    const client = answeredByAws(new SFNClient(clientConfig(credentials)), "json");
    return {
        async startExecution(stateMachineArn, name, input) {
            const response = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
            return { executionArn: response.executionArn!, startDate: response.startDate ?? new Date() };
        },
        async describeExecution(executionArn) {
            const response = await client.send(new DescribeExecutionCommand({ executionArn }));
            return {
                status: response.status as ExecutionStatus,
                output: response.output,
                error: response.error,
                cause: response.cause,
                stopDate: response.stopDate,
            };
        },
        async stopExecution(executionArn, error, cause) {
            await client.send(new StopExecutionCommand({ executionArn, error, cause }));
        },
        async executionEventsNewestFirst(executionArn, nextToken) {
            // Newest first: the CleanUpOnError entry sits near the end of a failed run.
            const response = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken }));
            const events = (response.events ?? []).map(
                (event): ExecutionEvent => ({ id: event.id!, type: event.type!, stateEnteredEventDetails: event.stateEnteredEventDetails }),
            );
            return { events, nextToken: response.nextToken };
        },
    };
}

/** The workflow's RUNNING executions (every page), each described for its input: who owns a copy. */
export function runningExecutionsClient(): SweepableResources["runningExecutions"] {
    const sfn = answeredByAws(new SFNClient(RETRIES), "json");
    return async (stateMachineArn) => {
        const arns = await everyPage(paginateListExecutions({ client: sfn }, { stateMachineArn, statusFilter: "RUNNING" }), (page) =>
            page.executions?.map((execution) => execution.executionArn!),
        );
        return Promise.all(
            arns.map(async (executionArn) => {
                const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
                return { executionArn, startedAt: described.startDate!.getTime(), input: described.input ?? "{}" };
            }),
        );
    };
}
