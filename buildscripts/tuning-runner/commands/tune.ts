// `tune`: the settings (read from the pull request's commits when asked), one power-tuning run per
// function (with --history only for functions without a stored result), the results file (always,
// first), the quality gate's verdict and approval, then the comment.
import type { AwsClients, FunctionConfiguration, LambdaFunctions } from "../aws/ports";
import { describeError, EXIT_FAILED, InputError } from "../core/errors";
import { parsePolicy } from "../core/policy";
import { chartableResults, renderChart } from "../core/chart";
import { buildResultsFile, exitCodeFor, type TuningResult } from "../core/resultsFile";
import {
    concurrencyFittingAccount,
    describeLambdaConcurrency,
    parseTuningInput,
    peakPerExecution,
    type PowerTuningInput,
} from "../core/tuningInput";
import type { TuneRequest } from "../core/requests";
import { copyFunctionsToTune } from "../core/targets";
import type { TargetFunction } from "../core/types";
import { plural } from "../markdown/format";
import { renderNotTunedComment, renderTuningComment } from "../markdown/tuningReport";
import { budgetInForce } from "../core/budget";
import { changedWhileMeasured, functionFactsFrom } from "../core/fingerprint";
import { budgetExceeded, capsExceeded } from "../core/caps";
import { leasedBudget, type ConcurrencyBudget } from "./budget";
import { tuneFunctions, type Tuning } from "./executions";
import { withProductionTraffic } from "./productionTraffic";
import { publishMarkdown } from "./publish";
import { applyQualityGate, configuredMemorySizes } from "./qualityGate";
import type { Runtime } from "./runtime";
import { settingsFromRepository } from "./tuneSettings";
import { tuneWithHistory } from "./tuningHistoryStore";

/**
 * Runs a validated `tune`. A stop of the build (runtime.signal) stops the running executions and
 * starts no more; the results are still written, nothing is posted, and the exit code is 1.
 */
export async function runTune(request: TuneRequest, clients: AwsClients, runtime: Runtime): Promise<number> {
    const { log, signal } = runtime;
    const functions = await functionsToTune(request, clients.lambda, log);
    // Read and validated before the first tuning starts: a bad input or policy starts nothing.
    const settings =
        request.settings.from === "files"
            ? request.settings.read
            : await settingsFromRepository(request.settings.paths, request.settings.pullRequest, clients.repositoryFiles);
    const input = parseTuningInput(settings.input.text, settings.input.name);
    const gate = {
        policyFile: settings.policyFile,
        policy: settings.policy === undefined ? undefined : parsePolicy(settings.policy.text, settings.policy.name),
        policyCommit: settings.commit,
        terraformFiles: settings.terraformFiles,
        changedGateInputs: settings.changedGateInputs,
    };
    // The quality gate (memory size), the caps (timeout) and the tuning history (fingerprint) read the same configuration.
    const lambda = askingOnce(clients.lambda);
    let executionsAtOnce =
        request.concurrency === "auto" ? await fittingConcurrency(input, functions.length, clients.lambda, log) : request.concurrency;
    const { exceeded, budget: budgetSize } = await capsOf(request, functions, input, lambda);
    if (exceeded.length > 0) {
        for (const cap of exceeded) log(`not tuned: ${cap}`);
        const file = buildResultsFile([], {
            generatedAt: new Date(runtime.now()).toISOString(),
            stateMachineArn: request.stateMachineArn,
            pullRequest: request.pullRequest,
            buildUrl: request.build.buildUrl,
        });
        runtime.writeFile(request.resultsFile, `${JSON.stringify(file, null, 2)}\n`);
        const markdown = renderNotTunedComment(exceeded, request.build.buildUrl);
        await publishMarkdown(
            { markdown, pullRequest: request.pullRequest, build: request.build, section: "tuning", pushLogNote: "not tuned: over a cap" },
            clients.pullRequestComments,
            runtime,
        );
        return EXIT_FAILED;
    }
    let budget: ConcurrencyBudget | undefined;
    if (request.budget !== undefined && budgetSize !== undefined) {
        const needs = peakPerExecution(input);
        executionsAtOnce = Math.max(1, Math.min(executionsAtOnce, Math.floor(budgetSize / needs)));
        log(
            `the tuning budget: ${budgetSize} Lambda invocations in flight for all tunings of the stack; one execution holds ${needs} while it runs`,
        );
        budget = leasedBudget(request.budget.leases, budgetSize, clients.budgetLeases, runtime);
    }
    const concurrency = describeLambdaConcurrency(input, Math.min(executionsAtOnce, functions.length));
    if (concurrency !== undefined) log(concurrency);

    const configured = await configuredMemorySizes(functions, lambda, log);
    const tuning: Tuning = { ...request, functions, input, concurrency: executionsAtOnce };
    const afterTuning = (fn: TargetFunction, result: TuningResult) =>
        readAgain(fn, result, { before: lambda, after: clients.lambda }, request.caps?.maxFunctionTimeoutSeconds, log);
    const tune = (functions: readonly TargetFunction[]) =>
        tuneFunctions({ ...tuning, functions }, { ...runtime, stepFunctions: clients.stepFunctions, budget, afterTuning });
    const { results: tuned, history } =
        request.history === undefined
            ? { results: await tune(functions), history: undefined }
            : await tuneWithHistory(
                  { functions, input, location: request.history, force: request.force, pullRequest: request.pullRequest },
                  tune,
                  { objects: clients.tuningHistory, functions: lambda },
                  runtime,
              );
    const withConfigured = tuned.map((result) =>
        configured.has(result.arn) ? { ...result, configuredMemoryMB: configured.get(result.arn) } : result,
    );
    const results =
        request.history === undefined ? withConfigured : await withProductionTraffic(withConfigured, request.history, clients, runtime);
    const file = buildResultsFile(results, {
        generatedAt: new Date(runtime.now()).toISOString(),
        stateMachineArn: request.stateMachineArn,
        pullRequest: request.pullRequest,
        buildUrl: request.build.buildUrl,
        history,
    });
    runtime.writeFile(request.resultsFile, `${JSON.stringify(file, null, 2)}\n`);
    log(`results written to ${request.resultsFile}`);
    if (request.chartFile !== undefined) writeChart(request.chartFile, results, runtime);
    if (signal.aborted) {
        log("interrupted: no comment posted");
        return EXIT_FAILED;
    }
    const verdict = await applyQualityGate(results, gate, request.pullRequest, clients.pullRequestApprovals, log);
    const markdown = renderTuningComment(results, {
        buildUrl: request.build.buildUrl,
        gate: verdict.markdown,
        history,
        copies: request.copy === undefined ? undefined : functions,
    });
    const publication = {
        markdown,
        pullRequest: request.pullRequest,
        build: request.build,
        section: "tuning" as const,
        pushLogNote: verdict.pushLogNote,
        stale: verdict.stale,
    };
    await publishMarkdown(publication, clients.pullRequestComments, runtime);
    return Math.max(exitCodeFor(results), verdict.exitCode);
}

/**
 * The list of functions to tune. Without a copy, the ones the command line and the outputs named.
 * For a pull request's copy, the trusted step lists them itself: every function under the copy's
 * own prefix, whatever the untrusted deploy's outputs name (they were only checked against it). A
 * copy with no function at all is an error: nothing was deployed to measure, so nothing is judged.
 */
export async function functionsToTune(
    request: Pick<TuneRequest, "functions" | "copy">,
    lambda: LambdaFunctions,
    log: Runtime["log"],
): Promise<readonly TargetFunction[]> {
    if (request.copy === undefined) return request.functions;
    const functions = copyFunctionsToTune(request.copy, await lambda.functionsNamed(`${request.copy.prefix}-`));
    if (functions.length === 0)
        throw new InputError(
            `no function is named ${request.copy.prefix}-… (ListFunctions): this pull request's copy holds nothing to tune`,
        );
    const unlisted = request.functions.filter((named) => !functions.some((fn) => fn.arn === named.arn));
    for (const fn of unlisted) log(`${fn.arn}: named by the outputs but not found under ${request.copy.prefix}-…; not tuned`);
    log(
        `tuning this pull request's copy: ${functions.map((fn) => `${fn.name} (${fn.arn.split(":")[6]}${fn.production === undefined ? "" : ` → ${fn.production}`})`).join(", ")}`,
    );
    return functions;
}

/**
 * `--concurrency auto`: the executions at once that fit the account's unreserved concurrency. When
 * the account's settings cannot be read, one at a time, which no account's quota throttles more.
 */
async function fittingConcurrency(
    input: PowerTuningInput,
    functions: number,
    lambda: LambdaFunctions,
    log: Runtime["log"],
): Promise<number> {
    let unreserved: number;
    try {
        unreserved = await lambda.unreservedConcurrency();
    } catch (error) {
        log(
            `--concurrency auto: the account's Lambda concurrency could not be read (${describeError(error)}); tuning one function at a time`,
        );
        return 1;
    }
    const executions = concurrencyFittingAccount(input, unreserved, functions);
    log(
        `--concurrency auto: ${executions} at once (the account's unreserved Lambda concurrency is ${unreserved}; one execution keeps up to ${peakPerExecution(input)} invocations in flight; ${plural(functions, "function")})`,
    );
    return executions;
}

/**
 * The caps the final list of functions exceeds (each a sentence for the comment), and the budget
 * in force when there is one: the stack's, or a tenth of the account's unreserved concurrency.
 */
async function capsOf(
    request: TuneRequest,
    functions: readonly TargetFunction[],
    input: PowerTuningInput,
    lambda: LambdaFunctions,
): Promise<{ exceeded: string[]; budget?: number }> {
    const timeouts =
        request.caps?.maxFunctionTimeoutSeconds === undefined
            ? functions
            : await Promise.all(
                  functions.map(async (fn) => ({
                      name: fn.name,
                      timeoutSeconds: await lambda.functionConfiguration(fn.arn).then(
                          (configuration) => configuration.Timeout,
                          () => undefined,
                      ),
                  })),
              );
    const exceeded = capsExceeded(timeouts, request.caps ?? {});
    if (request.budget === undefined) return { exceeded };
    const unreserved = await lambda.unreservedConcurrency().catch(() => undefined);
    const budget = budgetInForce(request.budget.size, unreserved);
    const overBudget = budgetExceeded(peakPerExecution(input), budget, request.budget.size, unreserved);
    return { exceeded: [...exceeded, ...(overBudget === undefined ? [] : [overBudget])], budget };
}

/**
 * A tuned function read again once its executions have ended, against the reading its caps,
 * configured memory and fingerprint came from. Pull-request code holds its copy's credentials
 * while the copy is measured: if the function changed meanwhile (or cannot be read again), its
 * result is marked, and the core neither stores nor judges it. Only figures are at stake, so a
 * tuning that measured nothing is left as it is.
 */
async function readAgain(
    fn: TargetFunction,
    result: TuningResult,
    readings: { readonly before: LambdaFunctions; readonly after: LambdaFunctions },
    maxTimeoutSeconds: number | undefined,
    log: Runtime["log"],
): Promise<TuningResult> {
    if (result.status !== "succeeded") return result;
    const factsOf = async (lambda: LambdaFunctions) => functionFactsFrom(await lambda.functionConfiguration(fn.arn), fn.arn);
    let changed: string[];
    try {
        const before = await factsOf(readings.before);
        changed = changedWhileMeasured(before, await factsOf(readings.after), maxTimeoutSeconds);
    } catch (error) {
        changed = [`GetFunctionConfiguration failed: ${describeError(error)}`];
    }
    if (changed.length === 0) return result;
    log(`${fn.name}: changed while it was measured (${changed.join("; ")}): its result is neither stored nor judged`);
    return { ...result, changedWhileMeasured: changed };
}

/** Asks Lambda once per function, however many parts of the run want its configuration. */
function askingOnce(lambda: LambdaFunctions): LambdaFunctions {
    const answers = new Map<string, Promise<FunctionConfiguration>>();
    return {
        functionConfiguration(functionArn) {
            let answer = answers.get(functionArn);
            if (answer === undefined) {
                answer = lambda.functionConfiguration(functionArn);
                answers.set(functionArn, answer);
            }
            return answer;
        },
        unreservedConcurrency: () => lambda.unreservedConcurrency(),
        functionsNamed: (prefix) => lambda.functionsNamed(prefix),
    };
}

/** The chart of what was tuned; with nothing tuned there is nothing to draw, and the log says so. */
function writeChart(chartFile: string, results: readonly TuningResult[], runtime: Pick<Runtime, "writeFile" | "log">): void {
    if (chartableResults(results).length === 0) {
        runtime.log(`no chart written to ${chartFile}: no function was tuned`);
        return;
    }
    runtime.writeFile(chartFile, renderChart(results));
    runtime.log(`chart written to ${chartFile}`);
}
