export {
  AccessRuleError,
  compileAccess,
  normalizeIp,
  validateAccessEntry,
  type AccessList,
  type AccessRules,
  type CompiledAccess,
} from './ip-filter.js'
export { ACCESS_PRESETS, interfaceCidr, thisSubnet } from './presets.js'
