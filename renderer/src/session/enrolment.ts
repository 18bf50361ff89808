// The enrolment code as a person types it (grouped or not, any case) → what the workstation sends, or what is wrong.
import { EnrolSchema } from '../../../src/common/people.ts';

/** The code as typed → what is sent, or what is wrong with it in words. */
export function readEnrolmentCode(typed: string): { ok: true; code: string } | { ok: false; message: string } {
  if (typed.trim() === '') return { ok: false, message: 'Enter the enrolment code your administrator sent you.' };
  const parsed = EnrolSchema.safeParse({ code: typed });
  if (parsed.success) return { ok: true, code: parsed.data.code };
  return {
    ok: false,
    message: 'The code is 20 letters and digits (no 0, 1, I or O), as your administrator sent it. Check it and try again.',
  };
}
