// Zod 4 probes for eval (`new Function('')`) to decide whether to compile fast parsers. Under our CSP
// (no 'unsafe-eval') the probe fails harmlessly but is reported as a CSP violation. Imported first by every
// renderer entry, before any module that builds schemas.
import { z } from 'zod';

z.config({ jitless: true });
