/** The public API of the plan layer: formats, validation, I/O, keys and the reference graph. */
export { KIND_EXTERNAL, KIND_ORDER, KIND_REFS, PLAN_KINDS, isPlanKind, refDecls } from './kinds.js';
export type { KindRefs, PlanKind, RefDecl, RefName, RefsOf } from './kinds.js';
export { PLAN_FORMAT, PLAN_SCHEMA_URL, SPEC_FIELDS } from './types.js';
export type * from './types.js';
export { PLAN_SCHEMA, lossyFields, planValidator, sensitiveFields, specProperties } from './schema.js';
export { checkPlan, formatIssues, hasErrors, validatePlan } from './validate.js';
export type { CheckResult, FormatIssuesOptions } from './validate.js';
export { DEFAULT_MAX_BYTES, PlanInvalidError, parsePlan, readPlan, validatePlanFile, writePlan } from './io.js';
export type { ParseOptions, ParseResult, WriteOptions } from './io.js';
export { canonicalizePlan, serializePlan, stringifyCanonical } from './canonical.js';
export { CURRENT_VERSION, detectVersion, upgradePlan } from './upgrade.js';
export { assignKeys, keyName, ruleKeyName } from './keys.js';
export type { KeyRequest } from './keys.js';
export { dependencyOrder, dependents, indexPlan, nameOf, referencedKeys } from './graph.js';
export { cidrContains, isCidr, isIp, isMac, parseCidr, parseIp } from './ip.js';
export type { Cidr, IpAddress } from './ip.js';
export { safeParseJson, scanJson, toPointer } from './json.js';
export type { ScanLimits } from './json.js';
