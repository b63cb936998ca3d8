/** The mapping module's public API: load, validate, apply and invert mapping files (pure: no cloud). */
export { applyMapping, applyNameRule, compareFlavors, mapName, mapZone, smallestFit } from './apply.js';
export type {
  FilteredEntry,
  FlavorLike,
  MappedPlan,
  MappingNote,
  PulledInEntry,
  Resolution,
  ResolutionStrategy,
  Shape,
} from './apply.js';
export { invertMapping } from './invert.js';
export type { Inversion, InversionProblem } from './invert.js';
export {
  formatMappingIssues,
  loadMapping,
  MappingInvalidError,
  MAX_MAPPING_BYTES,
  parseMapping,
  validateMappingFile,
} from './parse.js';
export type { MappingParseResult } from './parse.js';
export { MAPPING_SCHEMA, MAPPING_SCHEMA_URL } from './schema.js';
export { stringifyMapping } from './serialize.js';
export * from './types.js';
export * from './kinds.js';
export type { ExternalMappingContext } from './external.js';
export { validateMapping } from './validate.js';
