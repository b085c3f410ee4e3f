-- A background import's progress is rows done of the rows the sheet holds (counted before the import
-- starts), not bytes of the upload read: the xlsx reader takes the whole sheet in before its first row.
alter table registry_import add column total_rows integer check (total_rows >= 0);
alter table registry_import drop column bytes_read;
