// `npm run bench`: runs the runner's benchmarks against FakeAws, prints a Markdown table of
// targets vs measured values and, for a full run, writes it to bench/RESULTS.md with the
// machine it ran on. `--only id,id` runs a subset (nothing written; with `--update`, its rows
// and raw figures replace theirs in RESULTS.md and the others stay). Exits 1 if any run failed.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUNNER_BUNDLE_PATH } from "../buildscripts/bundle";
import type { Benchmark, BenchRow } from "./benchmark";
import { awsCliVersion, BENCHMARKS } from "./benchmarks";

const RESULTS_PATH = path.join(__dirname, "RESULTS.md");

function selectedBenchmarks(argv: readonly string[]): { benchmarks: readonly Benchmark[]; complete: boolean } {
    const index = argv.indexOf("--only");
    if (index === -1) return { benchmarks: BENCHMARKS, complete: true };
    if (argv[index + 1] === "--update") throw new Error("--only needs a list of benchmark ids before --update");
    const ids = (argv[index + 1] ?? "").split(",").filter(Boolean);
    const known = BENCHMARKS.map((benchmark) => benchmark.id);
    const unknown = ids.filter((id) => !known.includes(id));
    if (ids.length === 0 || unknown.length > 0) {
        throw new Error(`--only: unknown benchmark(s) ${JSON.stringify(unknown)}; choose from ${known.join(", ")}`);
    }
    return { benchmarks: BENCHMARKS.filter((benchmark) => ids.includes(benchmark.id)), complete: false };
}

const tableRow = (row: BenchRow) =>
    `| ${[row.benchmark, row.target, row.measured, row.verdict, row.method].map((text) => text.replace(/\|/g, "\\|")).join(" | ")} |`;

function markdownTable(rows: readonly BenchRow[]): string {
    return ["| Benchmark | Target | Measured | Verdict | How it was measured |", "|---|---|---|---|---|", ...rows.map(tableRow)].join("\n");
}

/**
 * RESULTS.md with a partial run's rows and raw figures in place of theirs (rows matched by name,
 * new ones after the last row; figures by benchmark id), a line saying when and under what load
 * they were measured, and everything else as it was.
 */
function updatedResults(
    existing: string,
    run: { ids: readonly string[]; rows: readonly BenchRow[]; details: readonly string[]; note: string },
): string {
    const fresh = new Map(run.rows.map((row) => [row.benchmark, tableRow(row)]));
    const lines = existing.trimEnd().split("\n");
    const isRow = (line: string) => line.startsWith("| ") && !line.startsWith("| Benchmark |");
    const nameOf = (line: string) => line.slice(2, line.indexOf(" | "));
    const isRerunNote = (line: string) => run.ids.some((id) => line.startsWith(`- Re-run of ${id}`));
    const isOwnFigure = (line: string) => run.ids.some((id) => line.startsWith(`- ${id}: `));
    const result = lines
        .filter((line) => !isRerunNote(line) && !isOwnFigure(line))
        .map((line) => (isRow(line) ? (fresh.get(nameOf(line)) ?? line) : line));
    result.splice(result.findIndex((line) => line.startsWith("- Load average")) + 1, 0, run.note);
    const added = run.rows.filter((row) => !lines.some((line) => isRow(line) && nameOf(line) === row.benchmark)).map(tableRow);
    const lastRow = result.reduce((last, line, index) => (isRow(line) ? index : last), -1);
    result.splice(lastRow + 1, 0, ...added);
    return `${[...result, ...run.details].join("\n")}\n`;
}

const formatLoad = (load: readonly number[]) => load.map((value) => value.toFixed(2)).join(" / ");
const loadAtStart = os.loadavg();

function machineDescription(): string[] {
    const cpus = os.cpus();
    const runnerVersion = spawnSync(process.execPath, [RUNNER_BUNDLE_PATH, "--version"], { encoding: "utf8" }).stdout.trim();
    return [
        `- Date: ${new Date().toISOString()}`,
        `- Machine: ${cpus.length} CPUs (\`nproc\`), ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
        `- Node: ${process.version}; runner bundle: ${runnerVersion}; AWS CLI: ${awsCliVersion()}`,
        // Other work on a shared 2-core machine slows every row; the load says how much to trust it.
        `- Load average (1/5/15 min) at start: ${formatLoad(loadAtStart)}; at the end: ${formatLoad(os.loadavg())}`,
    ];
}

async function main(): Promise<number> {
    const { benchmarks, complete } = selectedBenchmarks(process.argv.slice(2));
    const rows: BenchRow[] = [];
    const details: string[] = [];
    let failed = false;
    for (const benchmark of benchmarks) {
        process.stderr.write(`bench: ${benchmark.id}…\n`);
        try {
            const result = await benchmark.run();
            rows.push(...result.rows);
            details.push(...result.details.map((line) => `- ${benchmark.id}: ${line}`));
        } catch (error) {
            failed = true;
            process.stderr.write(`bench: ${benchmark.id} failed: ${(error as Error).message}\n`);
            rows.push({
                benchmark: benchmark.id,
                target: "",
                measured: `run failed: ${(error as Error).message.split("\n")[0]}`,
                verdict: "missed",
                method: "",
            });
        }
    }
    const table = markdownTable(rows);
    process.stdout.write(`${table}\n`);
    process.stderr.write(`\nRaw figures:\n${details.join("\n")}\n`);
    if (!complete && process.argv.includes("--update")) {
        const ids = benchmarks.map((benchmark) => benchmark.id);
        const note = `- Re-run of ${ids.join(", ")} (\`--only … --update\`): ${new Date().toISOString()}, Node ${process.version}, load ${formatLoad(loadAtStart)} → ${formatLoad(os.loadavg())}`;
        writeFileSync(RESULTS_PATH, updatedResults(readFileSync(RESULTS_PATH, "utf8"), { ids, rows, details, note }));
        process.stderr.write(`bench: updated ${rows.length} row(s) in ${path.relative(process.cwd(), RESULTS_PATH)}\n`);
    }
    if (complete) {
        const report = [
            "# Benchmark results",
            "",
            "Written by `npm run bench` (bench/run.ts); see docs/benchmarks.md for what each row means.",
            "",
            ...machineDescription(),
            "",
            table,
            "",
            "## Raw figures",
            "",
            ...details,
            "",
        ].join("\n");
        writeFileSync(RESULTS_PATH, report);
        process.stderr.write(`bench: wrote ${path.relative(process.cwd(), RESULTS_PATH)}\n`);
    }
    return failed ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        process.stderr.write(`bench: ${(error as Error).message}\n`);
        process.exit(2);
    },
);
