// What each statement planner returns: a plan without the parts every plan shares (its text and its
// parameter count), which planStatement adds.
import type { StatementPlan } from './route-plan.js';

/** A plan before planStatement adds `sql` and `paramCount`. */
export type StatementShape = Omit<StatementPlan, 'sql' | 'paramCount'>;
