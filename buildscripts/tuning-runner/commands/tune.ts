// `tune`: the settings (read from the pull request's commits when asked), one power-tuning run per
// function (with --history only for functions without a stored result), the results file (always,
// first), the quality gate's verdict and approval, then the comment.
import type { AwsClients, FunctionConfiguration, LambdaFunctions } from "../aws";
import { describeError, EXIT_FAILED } from "../core/errors";
import { parsePolicy } from "../core/policy";
import { chartableResults, renderChart } from "../core/chart";
import { buildResultsFile, exitCodeFor, type TuningResult } from "../core/resultsFile";
import { concurrencyFittingAccount, describeLambdaConcurrency, parseTuningInput, peakPerExecution, type PowerTuningInput } from "../core/tuningInput";
import type { TuneRequest } from "../core/requests";
import type { TargetFunction } from "../core/types";
import { plural } from "../markdown/format";
import { renderTuningComment } from "../markdown/tuningReport";
import { tuneFunctions, type Tuning } from "./executions";
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
    // Read and validated before the first tuning starts: a bad input or policy starts nothing.
    const settings = request.settings.from === "files" ? request.settings.read : await settingsFromRepository(request.settings.paths, request.settings.pullRequest, clients.repositoryFiles);
    const input = parseTuningInput(settings.input.text, settings.input.name);
    const gate = {
        policyFile: settings.policyFile,
        policy: settings.policy === undefined ? undefined : parsePolicy(settings.policy.text, settings.policy.name),
        policyCommit: settings.commit,
        terraformFiles: settings.terraformFiles,
    };
    const executionsAtOnce = request.concurrency === "auto" ? await fittingConcurrency(input, request.functions.length, clients.lambda, log) : request.concurrency;
    const concurrency = describeLambdaConcurrency(input, Math.min(executionsAtOnce, request.functions.length));
    if (concurrency !== undefined) log(concurrency);

    // The quality gate (memory size) and the tuning history (fingerprint) read the same configuration.
    const lambda = askingOnce(clients.lambda);
    const configured = await configuredMemorySizes(request.functions, lambda, log);
    const tuning: Tuning = { ...request, input, concurrency: executionsAtOnce };
    const tune = (functions: readonly TargetFunction[]) => tuneFunctions({ ...tuning, functions }, { ...runtime, stepFunctions: clients.stepFunctions });
    const { results: tuned, history } =
        request.history === undefined
            ? { results: await tune(request.functions), history: undefined }
            : await tuneWithHistory(
                  { functions: request.functions, input, location: request.history, force: request.force, pullRequest: request.pullRequest },
                  tune,
                  { objects: clients.tuningHistory, functions: lambda },
                  runtime,
              );
    const results = tuned.map((result) => (configured.has(result.arn) ? { ...result, configuredMemoryMB: configured.get(result.arn) } : result));
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
    const markdown = renderTuningComment(results, { buildUrl: request.build.buildUrl, gate: verdict.markdown, history });
    const publication = { markdown, pullRequest: request.pullRequest, build: request.build, section: "tuning" as const, pushLogNote: verdict.pushLogNote, stale: verdict.stale };
    await publishMarkdown(publication, clients.pullRequestComments, runtime);
    return Math.max(exitCodeFor(results), verdict.exitCode);
}

/**
 * `--concurrency auto`: the executions at once that fit the account's unreserved concurrency. When
 * the account's settings cannot be read, one at a time, which no account's quota throttles more.
 */
async function fittingConcurrency(input: PowerTuningInput, functions: number, lambda: LambdaFunctions, log: Runtime["log"]): Promise<number> {
    let unreserved: number;
    try {
        unreserved = await lambda.unreservedConcurrency();
    } catch (error) {
        log(`--concurrency auto: the account's Lambda concurrency could not be read (${describeError(error)}); tuning one function at a time`);
        return 1;
    }
    const executions = concurrencyFittingAccount(input, unreserved, functions);
    log(`--concurrency auto: ${executions} at once (the account's unreserved Lambda concurrency is ${unreserved}; one execution keeps up to ${peakPerExecution(input)} invocations in flight; ${plural(functions, "function")})`);
    return executions;
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
