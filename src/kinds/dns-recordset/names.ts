/**
 * Names relative to a zone. A recordset's name and the domain names in its records are kept relative to their zone
 * where they lie in it (`www`, `@` for the apex; `mail` in `10 mail`), absolute with their trailing dot elsewhere, as
 * a zone file writes them under its $ORIGIN. A zone the mapping renames then carries its recordsets with it, and a
 * CNAME to a name of the same zone follows too. Pure.
 */

/** Which whitespace-separated field of a record holds a domain name, per record type. */
const NAME_FIELD: Readonly<Record<string, number>> = { CNAME: 0, NS: 0, PTR: 0, MX: 1, SRV: 3, NAPTR: 5 };

function inZone(fqdn: string, zone: string): string | undefined {
  const name = fqdn.toLowerCase();
  const origin = zone.toLowerCase();
  if (name === origin) return '@';
  if (name.endsWith(`.${origin}`)) return fqdn.slice(0, fqdn.length - zone.length - 1);
  return undefined;
}

/** `www.example.com.` in `example.com.` -> `www`; the zone's own name -> `@`; a name elsewhere stays absolute. */
export function relativeName(fqdn: string, zone: string): string {
  return inZone(fqdn, zone) ?? fqdn;
}

/** The inverse of relativeName. */
export function absoluteName(name: string, zone: string): string {
  if (name === '@') return zone;
  if (name.endsWith('.')) return name;
  return `${name}.${zone}`;
}

function mapNameField(type: string, record: string, f: (name: string) => string): string {
  const index = NAME_FIELD[type];
  if (index === undefined) return record;
  const parts = record.trim().split(/\s+/);
  const name = parts[index];
  if (name === undefined) return record;
  parts[index] = f(name);
  return parts.join(' ');
}

/** A record with the domain name it holds (if its type holds one) made relative to the zone. */
export function relativeRecord(type: string, record: string, zone: string): string {
  return mapNameField(type, record, (name) => (name.endsWith('.') ? relativeName(name, zone) : name));
}

/** A record with a relative domain name made absolute in the zone (what Designate wants). */
export function absoluteRecord(type: string, record: string, zone: string): string {
  return mapNameField(type, record, (name) => absoluteName(name, zone));
}

/** The record types whose data is an address (rewritten when it is a migrated floating IP's). */
export const ADDRESS_TYPES: ReadonlySet<string> = new Set(['A', 'AAAA']);
