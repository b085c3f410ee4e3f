export {
  type ImportCountryOptions,
  type ImportCounts,
  type ImportDivisionOptions,
  type ImportOptions,
  type ImportProgress,
  importCountry,
  importDivision,
  importDivisions,
} from './import.ts';
export {
  checkDistrictCodes,
  DivisionCodeError,
  type DivisionKind,
  type DivisionScope,
  type DivisionUnit,
  divisionDataDir,
  loadDistricts,
  parseCsvLine,
  type ReadOptions,
  readDivision,
  readDivisionBatches,
} from './read.ts';
export { copyStream } from './stage.ts';
