import { parseArgs } from 'node:util';
import { runGatewayReadBench } from './bench/gateway-read-bench';
import { runScenario } from './runner/scenario-runner';
import { smokeVersion } from './scenario/smoke';
import { SCENARIOS, findScenario } from './scenarios';
import { compareRuns, readRun } from './report/compare-runs';
import { writeReport } from './report/write-report';
import { describeArrival } from './report/report-format';

const USAGE = `Usage:
  loadtest list                            the scenarios and what each compares
  loadtest scenario --name=<scenario> [--smoke]
                                           run one (--smoke: a few seconds per configuration)
  loadtest compare --before=<run folder> --after=<run folder>
                                           diff two runs' figures
  loadtest bench                           the gateway's GET /users/:id (cache hit) vs a bare chain`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      before: { type: 'string' },
      after: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  switch (command) {
    case 'list':
      for (const scenario of SCENARIOS) {
        console.log(`${scenario.name.padEnd(12)} ${scenario.title}`);
        console.log(`${''.padEnd(12)} ${scenario.question}`);
        console.log(`${''.padEnd(12)} configurations: ${scenario.configurations.map((configuration) => configuration.name).join(' | ')}`);
        console.log(`${''.padEnd(12)} ${describeArrival(scenario.arrival)}\n`);
      }
      return 0;
    case 'scenario': {
      if (values.name === undefined) throw new Error(`--name is required.\n${USAGE}`);
      const scenario = values.smoke ? smokeVersion(findScenario(values.name)) : findScenario(values.name);
      const result = await runScenario(scenario, { log: (message) => console.log(message) });
      const { directory, report } = writeReport(result);
      for (const finding of report.findings) console.log(`! ${finding}`);
      console.log(`\nReport: ${directory}/report.html (and report.md, result.json, *.png)`);
      return 0;
    }
    case 'compare': {
      const [before = values.before, after = values.after] = rest;
      if (before === undefined || after === undefined) throw new Error(`compare needs two run folders.\n${USAGE}`);
      console.log(compareRuns(readRun(before), readRun(after)));
      return 0;
    }
    case 'bench': {
      const figures = await runGatewayReadBench();
      console.log(JSON.stringify(figures));
      return 0;
    }
    default:
      console.error(USAGE);
      return command === undefined ? 0 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
