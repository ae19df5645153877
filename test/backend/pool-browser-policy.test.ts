// The synchronous path where a worker's child starts only once the parent yields (a browser's Web
// Worker): it must not start workers and wait for them — it runs on one thread and says so until
// `ready` has been awaited. Simulated in Node by marking the platform as not Node; there is no
// browser Worker class here, so the pool's start then fails to create one and must say that too.
import { describe, expect, it, vi } from "vitest";

vi.mock("../../src/backend/fast/platform.js", async (importOriginal) => ({ ...(await importOriginal<object>()), isNode: false }));

const { BROWSER_NOT_READY, fastContext, fastInfo, setFastThreads, startFast, threadsFor } = await import("../../src/backend/fast/context.js");

describe("the synchronous start where workers start only after the parent yields", () => {
  it("runs on one thread and says so once until ready, then reports a worker it could not create", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    setFastThreads(2);
    const c = fastContext()!;
    expect(threadsFor(c, 1e12)).toBe(1);
    expect(threadsFor(c, 1e12)).toBe(1);
    expect(c.pool.size).toBe(1); // no worker was started
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain(BROWSER_NOT_READY);
    expect(fastInfo()).toMatchObject({ threads: 1, requestedThreads: 2, threadsNote: BROWSER_NOT_READY });
    await startFast(60_000);
    expect(c.pool.failure).toMatch(/could not create a kernel worker \(ReferenceError: Worker is not defined\)/);
    expect(fastInfo()).toMatchObject({ threads: 1, requestedThreads: 2 });
    expect(fastInfo().threadsNote).toMatch(/could not create a kernel worker/);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});
