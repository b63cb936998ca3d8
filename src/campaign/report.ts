/** The campaign report's data, from the store: per project, per wave and for the whole campaign. */
import { VERSION } from '../version.js';
import type { Campaign, ProjectState } from './types.js';
import { initialState } from './run.js';

export const CAMPAIGN_REPORT_FORMAT = 'bascule.campaign-report/v1';

export interface Totals {
  projects: number;
  done: number;
  reviewable: number;
  running: number;
  failed: number;
  pending: number;
  rolled_back: number;
  resources: number;
  bytes_moved: number;
  audits_clean: number;
  audits_dirty: number;
}

export interface CampaignReport {
  format: typeof CAMPAIGN_REPORT_FORMAT;
  campaign: string;
  generated_at: string;
  bascule_version: string;
  totals: Totals;
  waves: { name: string; totals: Totals; projects: ProjectState[] }[];
}

function totals(states: readonly ProjectState[]): Totals {
  const count = (f: (s: ProjectState) => boolean) => states.filter(f).length;
  return {
    projects: states.length,
    done: count((s) => s.status === 'done'),
    reviewable: count((s) => s.status === 'reviewable'),
    running: count((s) => s.status === 'running'),
    failed: count((s) => s.status === 'failed' || s.status === 'interrupted'),
    pending: count((s) => s.status === 'pending' || s.status === 'queued'),
    rolled_back: count((s) => s.status === 'rolled-back'),
    resources: states.reduce((n, s) => n + Object.values(s.kinds ?? {}).reduce((a, b) => a + b, 0), 0),
    bytes_moved: states.reduce((n, s) => n + (s.bytes?.moved ?? 0), 0),
    audits_clean: count((s) => s.audit?.clean === true),
    audits_dirty: count((s) => s.audit !== undefined && !s.audit.clean),
  };
}

/** The report of every project of the campaign (a project not started yet is "pending"). */
export function buildReport(campaign: Campaign, states: readonly ProjectState[], at = new Date()): CampaignReport {
  const byId = new Map(states.map((s) => [s.id, s]));
  const waves = campaign.waves.map((w) => {
    const projects = w.projects.map((p) => byId.get(p.id) ?? initialState(p));
    return { name: w.name, totals: totals(projects), projects };
  });
  return {
    format: CAMPAIGN_REPORT_FORMAT,
    campaign: campaign.name,
    generated_at: at.toISOString(),
    bascule_version: VERSION,
    totals: totals(waves.flatMap((w) => w.projects)),
    waves,
  };
}
