// Step Functions (JSON 1.0, dates as epoch seconds): executions that run as scripted for their
// input's lambdaARN on the model's clock, and the pull-request workflow's own executions.
import { randomUUID } from "node:crypto";
import { ACCOUNT_ID, AwsError, definedOnly, paginate, requireString, type ModelClock, type ServiceModel, unknownOperation } from "./shared";

/** How a scripted execution behaves. */
export interface ScriptedExecution {
    /** How long it stays RUNNING, in milliseconds of the model's clock. Default 0. */
    runningMs?: number;
    status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
    /** DescribeExecution fields once terminal. */
    output?: string;
    error?: string;
    cause?: string;
    /** GetExecutionHistory events in wire format, oldest first. Without it a minimal history is synthesised. */
    history?: unknown[];
    /**
     * What happens to the function while the execution measures it, run once as it starts: the
     * tool's own change of memory, or pull-request code using its copy's credentials.
     */
    whileRunning?: () => void;
}

/** A script made for one execution from its parsed input. */
export type ExecutionScriptByInput = (input: Record<string, any>) => ScriptedExecution;

const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([A-Za-z0-9_-]{1,80})$/;
const TERMINAL_HISTORY_EVENTS = new Set(["ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]);

interface Execution {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly input: string;
    readonly lambdaArn: string;
    readonly script: ScriptedExecution;
    /** Model clock, epoch ms. */
    readonly startedAt: number;
    stopped?: { at: number; error?: string; cause?: string };
}

export class StepFunctionsModel implements ServiceModel {
    readonly invalidToken = ["UnrecognizedClientException", 400] as const;
    readonly operations = {
        StartExecution: (input: any) => this.startExecution(input),
        DescribeExecution: (input: any) => this.describeExecution(input),
        ListExecutions: (input: any) => this.listExecutions(input),
        StopExecution: (input: any) => this.stopExecution(input),
        GetExecutionHistory: (input: any) => this.getExecutionHistory(input),
    };
    private readonly scripts: Array<{ match: string | RegExp; script: ScriptedExecution | ExecutionScriptByInput }> = [];
    private readonly executions = new Map<string, Execution>();

    constructor(private readonly clock: ModelClock) {}

    readonly unimplemented = unknownOperation;

    scriptExecution(lambdaArn: string | RegExp, script: ScriptedExecution | ExecutionScriptByInput): void {
        this.scripts.unshift({ match: lambdaArn, script });
    }

    /** The most executions RUNNING at the same moment, for one function (input.lambdaARN) or overall. */
    peakConcurrentExecutions(lambdaArn?: string): number {
        const edges: Array<[time: number, delta: number]> = [];
        for (const execution of this.executions.values()) {
            if (lambdaArn !== undefined && execution.lambdaArn !== lambdaArn) continue;
            const end = this.runningUntil(execution);
            if (end > execution.startedAt) edges.push([execution.startedAt, +1], [end, -1]);
        }
        // An execution ending at the instant another starts does not overlap it.
        edges.sort(([a, da], [b, db]) => a - b || da - db);
        let running = 0;
        let peak = 0;
        for (const [, delta] of edges) {
            running += delta;
            peak = Math.max(peak, running);
        }
        return peak;
    }

    /** Every execution started so far, with its start and (scripted or stopped) end on the model's clock, epoch ms. */
    executionTimeline(): Array<{ executionArn: string; lambdaArn: string; status: string; startedAt: number; endsAt: number }> {
        return [...this.executions.values()].map((execution) => ({
            executionArn: execution.executionArn,
            lambdaArn: execution.lambdaArn,
            status: this.statusOf(execution),
            startedAt: execution.startedAt,
            endsAt: this.runningUntil(execution),
        }));
    }

    /**
     * An execution of another state machine (the pull-request workflow) with `input`, RUNNING from
     * `startedAt` (model clock, default now) until ended with endExecution.
     */
    startWorkflowExecution(stateMachineArn: string, name: string, input: object, startedAt = this.clock.now()): string {
        const executionArn = `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
        const script: ScriptedExecution = { runningMs: Number.MAX_SAFE_INTEGER, status: "SUCCEEDED" };
        this.executions.set(executionArn, {
            executionArn,
            stateMachineArn,
            name,
            input: JSON.stringify(input),
            lambdaArn: "",
            script,
            startedAt,
        });
        return executionArn;
    }

    /** Ends a workflow execution started with startWorkflowExecution, now. */
    endExecution(executionArn: string): void {
        const execution = this.executions.get(executionArn)!;
        execution.script.runningMs = this.clock.now() - execution.startedAt;
    }

    private runningUntil(execution: Execution): number {
        const natural = execution.startedAt + (execution.script.runningMs ?? 0);
        return execution.stopped ? Math.min(execution.stopped.at, natural) : natural;
    }

    private statusOf(execution: Execution): string {
        // Only a RUNNING execution can be stopped, so a stop always ends it early.
        if (execution.stopped) return "ABORTED";
        return this.clock.now() < this.runningUntil(execution) ? "RUNNING" : execution.script.status;
    }

    private startExecution(input: any): object {
        const stateMachine = STATE_MACHINE_ARN.exec(requireString(input, "stateMachineArn"));
        if (!stateMachine) throw new AwsError("InvalidArn", `Invalid Arn: '${input.stateMachineArn}'`);
        const name: string = input.name ?? randomUUID();
        if (!EXECUTION_NAME.test(name)) {
            throw new AwsError("InvalidName", `Invalid Name: '${name}' (1-80 characters of A-Z, a-z, 0-9, - and _)`);
        }
        const executionInput: string = input.input ?? "{}";
        let lambdaArn: unknown;
        try {
            lambdaArn = JSON.parse(executionInput).lambdaARN;
        } catch {
            throw new AwsError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${executionInput}'`);
        }
        const executionArn = `${input.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
        const existing = this.executions.get(executionArn);
        if (existing) {
            // Step Functions treats a repeated start of a RUNNING execution with the same input as idempotent.
            if (existing.input === executionInput && this.statusOf(existing) === "RUNNING") {
                return { executionArn, startDate: existing.startedAt / 1000 };
            }
            throw new AwsError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
        }
        const registered = this.scripts.find(({ match }) =>
            typeof match === "string" ? match === lambdaArn : typeof lambdaArn === "string" && match.test(lambdaArn),
        )?.script;
        const script = typeof registered === "function" ? registered(JSON.parse(executionInput)) : registered;
        if (!script) {
            throw new AwsError(
                "FakeAwsNoScriptedExecution",
                `FakeAws has no scripted execution for input.lambdaARN ${JSON.stringify(lambdaArn)}; call scriptExecution() for it`,
            );
        }
        const startedAt = this.clock.now();
        this.executions.set(executionArn, {
            executionArn,
            stateMachineArn: input.stateMachineArn,
            name,
            input: executionInput,
            lambdaArn: lambdaArn as string,
            script,
            startedAt,
        });
        script.whileRunning?.();
        return { executionArn, startDate: startedAt / 1000 };
    }

    private execution(input: any): Execution {
        const executionArn = requireString(input, "executionArn");
        const execution = this.executions.get(executionArn);
        if (!execution) throw new AwsError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`);
        return execution;
    }

    private listExecutions(input: any): object {
        const stateMachineArn = requireString(input, "stateMachineArn");
        if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new AwsError("InvalidArn", `Invalid Arn: '${stateMachineArn}'`);
        // Newest first, as Step Functions lists them.
        const matching = [...this.executions.values()]
            .filter(
                (execution) =>
                    execution.stateMachineArn === stateMachineArn &&
                    (input.statusFilter === undefined || this.statusOf(execution) === input.statusFilter),
            )
            .sort((a, b) => b.startedAt - a.startedAt);
        const page = this.clock.page(matching, input.maxResults, input.nextToken, "ListExecutions", 100, "InvalidToken");
        return {
            executions: page.items.map((execution) => ({
                executionArn: execution.executionArn,
                stateMachineArn: execution.stateMachineArn,
                name: execution.name,
                status: this.statusOf(execution),
                startDate: execution.startedAt / 1000,
            })),
            ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
        };
    }

    private describeExecution(input: any): object {
        const execution = this.execution(input);
        const status = this.statusOf(execution);
        const base = {
            executionArn: execution.executionArn,
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            status,
            startDate: execution.startedAt / 1000,
            input: execution.input,
        };
        if (status === "RUNNING") return base;
        const stopDate = this.runningUntil(execution) / 1000;
        if (status === "ABORTED" && execution.stopped) {
            return { ...base, stopDate, ...definedOnly({ error: execution.stopped.error, cause: execution.stopped.cause }) };
        }
        const { output, error, cause } = execution.script;
        return { ...base, stopDate, ...definedOnly({ output: status === "SUCCEEDED" ? output : undefined, error, cause }) };
    }

    private stopExecution(input: any): object {
        const execution = this.execution(input);
        if (this.statusOf(execution) === "RUNNING") {
            execution.stopped = { at: this.clock.now(), error: input.error, cause: input.cause };
        }
        return { stopDate: this.runningUntil(execution) / 1000 };
    }

    private getExecutionHistory(input: any): object {
        const execution = this.execution(input);
        const status = this.statusOf(execution);
        let events = (execution.script.history ?? this.synthesisedHistory(execution, status)) as Array<{ type?: string }>;
        if (status === "RUNNING") events = events.filter((event) => !TERMINAL_HISTORY_EVENTS.has(event.type ?? ""));
        if (status === "ABORTED" && execution.script.history) {
            events = [
                ...events.filter((event) => !TERMINAL_HISTORY_EVENTS.has(event.type ?? "")),
                this.abortedEvent(execution, events.length + 1),
            ];
        }
        const ordered = input.reverseOrder ? [...events].reverse() : events;
        const page = paginate(ordered, input.maxResults, input.nextToken, "GetExecutionHistory", 100, "InvalidToken");
        return { events: page.items, ...definedOnly({ nextToken: page.nextToken }) };
    }

    private synthesisedHistory(execution: Execution, status: string): unknown[] {
        const started = {
            timestamp: execution.startedAt / 1000,
            type: "ExecutionStarted",
            id: 1,
            previousEventId: 0,
            executionStartedEventDetails: { input: execution.input, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/fake-state-machine-role` },
        };
        if (status === "RUNNING") return [started];
        if (status === "ABORTED") return [started, this.abortedEvent(execution, 2)];
        const { output, error, cause } = execution.script;
        const terminal: Record<string, [string, object]> = {
            SUCCEEDED: ["ExecutionSucceeded", { executionSucceededEventDetails: definedOnly({ output }) }],
            FAILED: ["ExecutionFailed", { executionFailedEventDetails: definedOnly({ error, cause }) }],
            TIMED_OUT: ["ExecutionTimedOut", { executionTimedOutEventDetails: definedOnly({ error, cause }) }],
            ABORTED: ["ExecutionAborted", { executionAbortedEventDetails: definedOnly({ error, cause }) }],
        };
        const [type, details] = terminal[status];
        return [started, { timestamp: this.runningUntil(execution) / 1000, type, id: 2, previousEventId: 1, ...details }];
    }

    private abortedEvent(execution: Execution, id: number): object {
        return {
            timestamp: this.runningUntil(execution) / 1000,
            type: "ExecutionAborted",
            id,
            previousEventId: id - 1,
            executionAbortedEventDetails: definedOnly({ error: execution.stopped?.error, cause: execution.stopped?.cause }),
        };
    }
}

export function executionFromFixture(fixture: { DescribeExecution: any; GetExecutionHistory?: { events: unknown[] } }): ScriptedExecution {
    const { status, output, error, cause } = fixture.DescribeExecution;
    if (!["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].includes(status)) {
        throw new Error(`executionFromFixture needs a terminal DescribeExecution status, got ${JSON.stringify(status)}`);
    }
    return { status, ...definedOnly({ output, error, cause, history: fixture.GetExecutionHistory?.events }) };
}
