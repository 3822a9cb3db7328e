/**
 * Seed 004: "if more than one entry in the CSV file has the same email address, the last entry
 * corresponding to the email address will be updated as the user details". Kept apart from
 * reading so the server can apply it after a person unchecks rows in the preview.
 */
import type { PreapprovedRow } from './fields.js';

/** A user's details: the whole last row wins (an empty mobile there clears an earlier one). */
export interface UserDetails {
  email: string;
  name: string;
  mobile: string | null;
  samAccountName: string | null;
  /** The line whose details won. */
  line: number;
  /** How many rows (devices) name this email: each still gets its own enrollment request. */
  rows: number;
}

export interface UserWarning {
  line: number;
  reason: string;
}

/** Folds rows in any number of calls (one per batch): memory grows with distinct emails, not rows. */
export class UserDetailsByEmail {
  private readonly byEmail = new Map<string, UserDetails>();
  private readonly byFoldedEmail = new Map<string, string>();
  private readonly notes: UserWarning[] = [];

  add(rows: Iterable<PreapprovedRow>): void {
    for (const row of rows) {
      const current = this.byEmail.get(row.email);
      // "Last" is by line, so rows handed over out of order still give the file's answer.
      if (!current || row.line >= current.line) {
        this.byEmail.set(row.email, { email: row.email, name: row.name, mobile: row.mobile, samAccountName: row.samAccountName, line: row.line, rows: (current?.rows ?? 0) + 1 });
      } else {
        current.rows++;
      }
      this.noteCaseVariant(row);
    }
  }

  users(): UserDetails[] {
    return [...this.byEmail.values()];
  }

  /** Emails that differ only in case: kept as different users (values are case-sensitive), but likely a typo. */
  warnings(): UserWarning[] {
    return [...this.notes];
  }

  private noteCaseVariant(row: PreapprovedRow): void {
    const folded = row.email.toLowerCase();
    const first = this.byFoldedEmail.get(folded);
    if (first === undefined) this.byFoldedEmail.set(folded, row.email);
    else if (first !== row.email) {
      this.notes.push({ line: row.line, reason: `email "${row.email}" differs from "${first}" only in case: they are imported as two users (values are case-sensitive)` });
    }
  }
}

export function lastRowWinsPerEmail(rows: Iterable<PreapprovedRow>): { users: UserDetails[]; warnings: UserWarning[] } {
  const fold = new UserDetailsByEmail();
  fold.add(rows);
  return { users: fold.users(), warnings: fold.warnings() };
}
