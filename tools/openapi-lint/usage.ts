// Compiled (tsc --noEmit) against the types openapi-typescript generates
// from the served documents: the shapes a TypeScript integrator writes
// first must type-check, so a document change that breaks them fails lint.
import type { components as Reg, operations as RegOps, paths as RegPaths } from "./registrar";
import type { components as Op, paths as OpPaths } from "./operator";

type JSONBody<T> = T extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

export const create: JSONBody<RegPaths["/domains"]["post"]> = {
  domain: "alice.defiwallet",
  years: 1,
  registrant: { name: "Alice", email: "alice@example.com" },
};

export const renew: Reg["schemas"]["RenewDomainRequest"] = {
  years: 1,
  current_expires_at: "2027-03-02T10:00:37Z",
};

export function balanceOf(report: Reg["schemas"]["StatusReport"]): number {
  return report.partner?.gems_balance ?? 0;
}

export function nextCursor(page: Reg["schemas"]["PollPage"]): string | null | undefined {
  return page.next_cursor;
}

export function isRetryable(p: Reg["schemas"]["Problem"]): boolean {
  return p.retryable === true;
}

export type PollParams = RegOps["poll"]["parameters"]["query"];

export const adjust: JSONBody<OpPaths["/partners/{id}/gems-adjustments"]["post"]> = {
  delta: -120,
  reason: "refund of a duplicate top-up",
};

export function ledgerBalance(a: Op["schemas"]["GemsAdjustment"]): number {
  return a.gems_balance;
}
