import { afterEach, describe, expect, it, vi } from "vitest";
import { trainAdding } from "../../src/cli/train-adding.js";
import { tasks } from "../../src/cli/train.js";
import type { TrainOptions } from "../../src/cli/train.js";

/** Run the task, capturing standard output; returns the lines printed. */
async function run(options: TrainOptions): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk).trimEnd());
    return true;
  });
  await trainAdding(options);
  vi.restoreAllMocks();
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe("fundl train adding", () => {
  it("is registered as the `adding` task", () => {
    expect(tasks.adding).toBe(trainAdding);
  });

  it("learns the adding problem at T = 10 (test MSE far below the 0.167 baseline) and ends with the JSON line", async () => {
    const lines = await run({ cell: "ugrnn", length: 10, steps: 200, seed: 0, json: true });
    const last = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    expect(Object.keys(last)).toEqual(["task", "cell", "length", "testMSE", "trainSeconds"]);
    expect(last).toMatchObject({ task: "adding", cell: "ugrnn", length: 10 });
    expect(last.testMSE as number).toBeLessThan(0.167 / 4);
    expect(last.trainSeconds as number).toBeGreaterThan(0);
    expect(lines.some((l) => /test MSE .* \(predicting the mean: 0\.167\)/.test(l))).toBe(true);
  });

  it("is deterministic for a seed", async () => {
    const a = await run({ cell: "lstm", length: 6, steps: 5, seed: 7, json: true });
    const b = await run({ cell: "lstm", length: 6, steps: 5, seed: 7, json: true });
    const c = await run({ cell: "lstm", length: 6, steps: 5, seed: 8, json: true });
    const mse = (l: string[]) => (JSON.parse(l[l.length - 1]!) as { testMSE: number }).testMSE;
    expect(mse(a)).toBe(mse(b));
    expect(mse(a)).not.toBe(mse(c));
  });

  it("rejects an unknown cell", async () => {
    await expect(trainAdding({ cell: "transformer", steps: 1 })).rejects.toThrow(/unknown --cell "transformer"; choose one of ugrnn, gru, lstm, rnn/);
  });
});
