// The expression compiler's public surface.
export { compileExpr } from './compile-expr.js';
export {
  type CompiledExpr,
  columnScope,
  type Evaluate,
  type ExprScope,
  type ScopeColumn,
  unsupportedExpr,
} from './compiled-expr.js';
