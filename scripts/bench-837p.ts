// The 837P writer's case of `npm run bench` (issue 13): claims per second written as one X12 837P batch
// of 10,000 claims (loop-map check included) beside serialising the same claims as JSON in the same run.
// Kept in a file of its own so bench.ts only lists it.
import type { ProfessionalClaim } from "@salus/core/billing/claim-model";
import { manyClaims, TEST_ENVELOPE } from "@salus/core/billing/x12/test-claims";
import { tokenizeX12 } from "@salus/core/billing/x12/tokenizer";
import { write837P } from "@salus/core/billing/x12/write-837p";

export const BATCH_CLAIMS = 10_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export const batch837BenchCase = {
  name: `837P generation (${BATCH_CLAIMS}-claim batch)`,
  note: "837P = core write837P(): segments for 10,000 claims (self and dependant, 1 to 4 lines), checked against the 005010X222A1 loop map, then the text (two transaction sets of 5,000); pure, no database (the same figure on every database row). Baseline = JSON.stringify of the same ProfessionalClaim objects. Median of 5; 'read back' = our tokenizer over the written file.",
  async run() {
    const claims: ProfessionalClaim[] = manyClaims(BATCH_CLAIMS);
    const times: number[] = [];
    const jsonTimes: number[] = [];
    const readTimes: number[] = [];
    let bytes = 0;
    let jsonBytes = 0;
    let segments = 0;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      const out = write837P(claims, {
        ...TEST_ENVELOPE,
        interchangeControlNumber: i + 1,
        groupControlNumber: i + 1,
      });
      times.push(performance.now() - t);
      t = performance.now();
      const json = JSON.stringify(claims);
      jsonTimes.push(performance.now() - t);
      t = performance.now();
      segments = tokenizeX12(out.text).segments.length;
      readTimes.push(performance.now() - t);
      bytes = out.text.length;
      jsonBytes = json.length;
    }
    return {
      value: BATCH_CLAIMS / (median(times) / 1000),
      unit: "claims/s",
      baseline: BATCH_CLAIMS / (median(jsonTimes) / 1000),
      baselineLabel: "claims/s as JSON",
      better: "higher" as const,
      extra: `${segments} segments, ${(bytes / 1e6).toFixed(1)} MB in ${median(times).toFixed(0)} ms (JSON ${(jsonBytes / 1e6).toFixed(1)} MB in ${median(jsonTimes).toFixed(0)} ms); read back ${median(readTimes).toFixed(0)} ms`,
    };
  },
};
