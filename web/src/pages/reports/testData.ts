// Answers of the reports API for the page's tests: a busy period, and one with nothing in it.
import type { Reports } from "./reportsApi";

export const IVAN = "e0000000-0000-4000-8000-00000000000e";
export const OLGA = "e0000000-0000-4000-8000-00000000000f";

export const executorsPage = {
  items: [IVAN, OLGA].map((id, n) => ({
    id,
    full_name: n === 0 ? "Иван Петров" : "Ольга Смирнова",
    email: `${n}@example.com`,
    is_active: true,
    available: true,
    active_jobs: 0,
    service_area: "Москва",
    skills: ["plumbing"],
    telegram_linked: false,
    verification_status: "approved",
    verified_until: null,
  })),
  next_cursor: null,
};

const breach = (key: string, requests: number, breached: number) => ({
  key,
  requests,
  breached,
  breach_pct: requests ? Math.round((10000 * breached) / requests) / 100 : 0,
});

export const busy: Reports = {
  timings: {
    stages: [
      { stage: "assign", count: 40, p50_s: 4800, p90_s: 10_800 },
      { stage: "accept", count: 38, p50_s: 600, p90_s: 1500 },
      { stage: "start", count: 35, p50_s: 86_400, p90_s: 172_800 },
      { stage: "complete", count: 30, p50_s: 7200, p90_s: 14_400 },
      { stage: "close", count: 25, p50_s: null, p90_s: null },
    ],
  },
  sla: {
    overall: breach("all", 40, 5),
    by_stage: [breach("assign", 40, 3), breach("accept", 38, 2)],
    by_tier: [breach("1", 40, 5), breach("2", 40, 1)],
    by_category: [breach("plumbing", 30, 4), breach("electrics", 10, 1)],
    by_executor: [breach(IVAN, 20, 3), breach("", 5, 1)],
    by_district: [breach("ЦАО", 25, 4), breach("", 15, 1)],
  },
  quality: {
    completed: 22,
    cancelled: 3,
    confirmed: 20,
    first_time_fix: 17,
    first_time_fix_pct: 85,
    disputed: 2,
    dispute_pct: 6.67,
    disputes_by_category: [{ key: "plumbing", count: 2 }],
    disputes_by_district: [{ key: "ЦАО", count: 2 }],
    disputes_by_executor: [{ key: IVAN, count: 2 }],
    cancellations: [{ by_role: "customer", stage: "new", count: 3 }],
  },
  executors: {
    executors: [
      {
        executor_id: IVAN,
        assigned: 20,
        accepted: 18,
        declined: 2,
        acceptance_pct: 90,
        decline_pct: 10,
        completed: 15,
        active_days: 10,
        busy_s: 86_400,
        jobs_per_day: 1.5,
        busy_share: 0.4,
        rating: null,
      },
    ],
  },
  notifications: {
    channels: [
      { channel: "email", requested: 50, sent: 45, failed: 3, unconfirmed: 2, p50_latency_s: 2, p90_latency_s: 30 },
      { channel: "telegram", requested: 10, sent: 10, failed: 0, unconfirmed: 0, p50_latency_s: 1, p90_latency_s: 3 },
    ],
  },
  verification: {
    submitted: 12,
    checked: 10,
    awaiting_decision: 2,
    approved: 7,
    rejected: 1,
    p50_decision_s: 3600,
    p90_decision_s: 7200,
    rejection_reasons: [{ reason: "документ нечитаем", count: 1 }],
  },
  volume: {
    by_day: [
      { day: "2026-11-01", created: 25, closed: 10, cancelled: 1 },
      { day: "2026-11-02", created: 15, closed: 15, cancelled: 2 },
    ],
    by_hour: Array.from({ length: 24 }, (_, hour) => ({ hour, created: hour === 10 ? 40 : 0 })),
  },
  payouts: {
    grain: "day",
    by_period: [
      { period: "2026-11-01", count: 2, gross: "3000.00", commission: "300.00", net: "2700.00" },
      { period: "2026-11-02", count: 0, gross: "0.00", commission: "0.00", net: "0.00" },
    ],
    total: { count: 2, gross: "3000.00", commission: "300.00", net: "2700.00" },
  },
};

const none = breach("all", 0, 0);

export const quiet: Reports = {
  timings: { stages: busy.timings.stages.map((s) => ({ ...s, count: 0, p50_s: null, p90_s: null })) },
  sla: { overall: none, by_stage: [], by_tier: [], by_category: [], by_executor: [], by_district: [] },
  quality: {
    completed: 0,
    cancelled: 0,
    confirmed: 0,
    first_time_fix: 0,
    first_time_fix_pct: 0,
    disputed: 0,
    dispute_pct: 0,
    disputes_by_category: [],
    disputes_by_district: [],
    disputes_by_executor: [],
    cancellations: [],
  },
  executors: { executors: [] },
  notifications: { channels: [] },
  verification: {
    submitted: 0,
    checked: 0,
    awaiting_decision: 0,
    approved: 0,
    rejected: 0,
    p50_decision_s: null,
    p90_decision_s: null,
    rejection_reasons: [],
  },
  volume: {
    by_day: busy.volume.by_day.map((d) => ({ ...d, created: 0, closed: 0, cancelled: 0 })),
    by_hour: busy.volume.by_hour.map((h) => ({ ...h, created: 0 })),
  },
  payouts: {
    grain: "day",
    by_period: busy.payouts.by_period.map((p) => ({ ...p, count: 0, gross: "0.00", commission: "0.00", net: "0.00" })),
    total: { count: 0, gross: "0.00", commission: "0.00", net: "0.00" },
  },
};
