// NovaMind clinician workspace: a cohort view and a patient view over the gateway's API, kept live through SignalR.
// Patient ids never go into the URL or browser storage; the token lives in this module's memory only.

const SYMPTOMS = ["mood", "phq9", "gad7"];
const LABELS = { mood: "Mood", phq9: "PHQ-9", gad7: "GAD-7", sleep_hours: "Sleep (h)", hrv_ms: "HRV (ms)", resting_hr: "Resting HR (bpm)", steps: "Steps" };
const TIMELINE_TYPES = ["mood", "phq9", "gad7", "sleep_hours", "hrv_ms", "resting_hr", "steps"];
const FLAG_RULES = {
  forecast_crosses_severity_threshold: f => `forecast ${LABELS[f.symptom] ?? f.symptom} ≥ ${f.threshold}`,
  significant_lag_correlation: f => `${LABELS[f.biometric] ?? f.biometric} → ${LABELS[f.symptom] ?? f.symptom} (lag ${f.lag_days})`,
  current_drug_pgx_flag: f => f.category === "avoid" ? `PGx avoid: ${f.drug}` : null,
};

const state = { token: null, subject: null, cohort: [], open: null, connection: null, charts: [] };
const $ = id => document.getElementById(id);

class NotFound extends Error {}

async function api(path) {
  const response = await fetch(`/api/${path}`, { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 401) { signOut("Your session is not valid (expired or unknown token); sign in again."); throw new Error("unauthorised"); }
  if (response.status === 404) throw new NotFound("not found");
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail ?? problem.title ?? `HTTP ${response.status}`);
  }
  return response.json();
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null) continue;
    if (k === "text") node.textContent = v; else if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v)) ? "—" : Number(v).toFixed(digits);
const shortId = id => id.slice(0, 8);

function subjectOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub ?? null;
  } catch { return null; }
}

// ---- sign-in -------------------------------------------------------------------------------------------------------

async function signIn(token) {
  state.token = token.trim();
  state.subject = subjectOf(state.token);
  $("sign-in-error").textContent = "";
  try {
    await loadCohort();
  } catch (e) {
    if (state.token) $("sign-in-error").textContent = `Sign-in failed: ${e.message}`;
    return;
  }
  $("token").value = "";
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  $("who").textContent = `Signed in as ${state.subject ?? "unknown"}`;
  showCohort();
  await startLive();
}

function signOut(message) {
  state.connection?.stop();
  Object.assign(state, { token: null, subject: null, cohort: [], open: null, connection: null });
  destroyCharts();
  for (const id of ["cohort", "patient"]) $(id).hidden = true;
  $("cohort-rows").replaceChildren();
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("live-status").textContent = "";
  $("sign-in-error").textContent = message ?? "";
}

// ---- cohort --------------------------------------------------------------------------------------------------------

async function loadCohort() {
  const list = await api("patients?limit=200");
  state.cohort = list.patients;
  const rows = $("cohort-rows");
  rows.replaceChildren(...state.cohort.map(id => {
    const row = el("tr", { "data-patient": id, tabindex: "0", "aria-label": `Open patient ${shortId(id)}` });
    row.addEventListener("click", () => openPatient(id));
    row.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openPatient(id); } });
    return row;
  }));
  $("cohort-empty").hidden = state.cohort.length > 0;
  $("cohort-table").hidden = state.cohort.length === 0;
  await inBatches(state.cohort, 4, refreshRow);
}

async function inBatches(items, width, work) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}

function trendArrow(t) {
  if (!t || t.recent_week_mean === null || t.previous_week_mean === null || t.recent_week_mean === undefined) return null;
  const d = t.recent_week_mean - t.previous_week_mean;
  const [symbol, words] = Math.abs(d) < 0.05 * Math.max(1, Math.abs(t.previous_week_mean)) ? ["→", "steady"] : d > 0 ? ["↑", "rising"] : ["↓", "falling"];
  return el("span", { class: "trend", title: `7-day mean ${fmt(t.recent_week_mean, 2)} vs ${fmt(t.previous_week_mean, 2)} the week before`, "aria-label": words, text: symbol });
}

const RETRY_PARTS_AFTER_MS = 5000;

async function refreshRow(id, retried = false) {
  const row = document.querySelector(`#cohort-rows tr[data-patient="${id}"]`);
  if (!row) return;
  let summary;
  try { summary = await api(`patients/${id}`); } catch (e) { row.replaceChildren(el("td", { colspan: "7", text: `${shortId(id)}: ${e.message}` })); return; }
  const byType = Object.fromEntries(summary.types.map(t => [t.type, t]));
  const cells = [el("th", { scope: "row", text: shortId(id) }),
    el("td", { text: summary.last_observation_at ? new Date(summary.last_observation_at).toISOString().slice(0, 16).replace("T", " ") : "—" })];
  for (const type of [...SYMPTOMS, "sleep_hours"]) {
    const t = byType[type];
    cells.push(el("td", { "data-type": type, "data-value": t?.latest_value }, fmt(t?.latest_value, type === "sleep_hours" ? 1 : 0), trendArrow(t)));
  }
  const flags = el("td", { "data-flags": "" });
  cells.push(flags);
  row.setAttribute("data-total", summary.total_observations);
  row.replaceChildren(...cells);
  try {
    const insights = await api(`patients/${id}/insights`);
    for (const r of insights.integrated_recommendations) {
      const label = FLAG_RULES[r.rule]?.(r.facts);
      if (label) flags.append(el("span", { class: "flag", "data-rule": r.rule, title: r.text, text: label }));
    }
    // A part that timed out or whose worker is unavailable is said so, and asked for once more a little later.
    const missing = Object.entries(insights.parts).filter(([, p]) => ["timeout", "unavailable", "error"].includes(p.status));
    for (const [name, p] of missing) flags.append(el("span", { class: "status", title: p.problem ?? "", text: `${name}: ${p.status} ` }));
    if (missing.length > 0 && !retried) setTimeout(() => { if (state.token && state.cohort.includes(id)) refreshRow(id, true); }, RETRY_PARTS_AFTER_MS);
  } catch (e) { flags.append(el("span", { class: "status", text: `insights: ${e.message}` })); }
}

function showCohort() {
  state.open = null;
  destroyCharts();
  $("patient").hidden = true;
  $("cohort").hidden = false;
}

// ---- patient -------------------------------------------------------------------------------------------------------

async function openPatient(id) {
  state.open = id;
  $("cohort").hidden = true;
  $("patient").hidden = false;
  $("patient-title").textContent = "Patient";
  $("patient-error").textContent = "";
  await renderPatient(id);
  $("back").focus();
}

async function renderPatient(id, retried = false) {
  let summary, insights, history;
  try {
    const from = new Date(Date.now() - 90 * 86400000).toISOString().slice(0, 19) + "Z";
    [summary, insights, history] = await Promise.all([api(`patients/${id}`), api(`patients/${id}/insights?forecast_days=14&lookback_days=30`), readHistory(id, from)]);
  } catch (e) {
    if (state.open !== id) return;
    clearPatient();
    $("patient-error").textContent = e instanceof NotFound ? "Patient not found." : `Could not load the patient: ${e.message}`;
    return;
  }
  if (state.open !== id) return;
  destroyCharts();
  $("patient-title").textContent = `Patient ${shortId(id)}`;
  $("patient").setAttribute("data-patient", id);
  $("patient").setAttribute("data-total", summary.total_observations);
  $("patient-meta").textContent = `${summary.total_observations} observations; last ${summary.last_observation_at ?? "—"}`;
  renderRecommendations(insights.integrated_recommendations);
  renderForecasts(insights.parts.forecast, history);
  renderTimeline(history);
  renderHeatmap(insights.parts.correlations);
  renderPgx(insights.parts.medications);
  const incomplete = Object.values(insights.parts).some(p => ["timeout", "unavailable", "error"].includes(p.status));
  if (incomplete && !retried) setTimeout(() => { if (state.open === id) renderPatient(id, true); }, RETRY_PARTS_AFTER_MS);
}

function clearPatient() {
  destroyCharts();
  $("patient").removeAttribute("data-patient");
  $("patient").removeAttribute("data-total");
  for (const id of ["recommendations", "forecast-charts", "timeline-charts", "heatmap", "metabolizers", "pgx-rows"]) $(id).replaceChildren();
  for (const id of ["patient-meta", "forecast-status", "correlation-status", "pgx-status"]) $(id).textContent = "";
}

async function readHistory(id, from) {
  const all = [];
  let path = `patients/${id}/observations?from=${encodeURIComponent(from)}&limit=10000`;
  while (path) {
    const page = await api(path);
    all.push(...page.observations);
    path = page.next ? page.next.replace(/^\/api\//, "") : null;
  }
  return dailyMeans(all);
}

/** type → [[unix seconds at noon UTC], [daily mean]] */
function dailyMeans(observations) {
  const byType = {};
  for (const o of observations) {
    const day = o.time.slice(0, 10);
    const t = (byType[o.type] ??= new Map());
    const d = t.get(day) ?? { sum: 0, n: 0 };
    d.sum += o.value; d.n += 1; t.set(day, d);
  }
  const result = {};
  for (const [type, days] of Object.entries(byType)) {
    const keys = [...days.keys()].sort();
    result[type] = [keys.map(k => Date.parse(`${k}T12:00:00Z`) / 1000), keys.map(k => days.get(k).sum / days.get(k).n)];
  }
  return result;
}

function statusText(part, name) {
  if (!part) return `${name}: not requested`;
  const bits = [`${name}: ${part.status.replaceAll("_", " ")}`];
  if (part.model_version) bits.push(`model ${part.model_version}`);
  if (part.age_seconds !== null && part.age_seconds !== undefined) bits.push(`${Math.round(part.age_seconds)} s old`);
  if (part.problem) bits.push(part.problem);
  return bits.join(" · ");
}

function renderRecommendations(recommendations) {
  const list = $("recommendations");
  list.replaceChildren(...(recommendations.length === 0
    ? [el("li", { text: "None: no rule fired on the available parts." })]
    : recommendations.map(r => el("li", { "data-rule": r.rule },
        el("span", { class: "basis", text: r.basis.replaceAll("_", " ") }), r.text,
        el("span", { class: "sources", text: `Sources: ${r.sources.map(s => `${s.part} — ${s.reference}`).join("; ")}` })))));
}

function chartWidth() { return Math.min(560, Math.max(320, $("patient").clientWidth / 2 - 40)); }

const CONFIDENCE_REASONS = {
  interval_width: "this patient's intervals are much wider than the model's usual ones (past forecasts missed by more)",
  member_disagreement: "the ensemble's models disagree by more than the usual interval",
  out_of_distribution: "recent data lie far outside what the model was trained on",
};

function renderForecasts(part, history) {
  $("forecast-status").textContent = statusText(part, "forecast");
  const host = $("forecast-charts");
  host.replaceChildren();
  for (const s of part?.symptoms ?? []) {
    if (!s.forecast) { host.append(el("p", { "data-symptom": s.symptom, text: `${LABELS[s.symptom]}: ${s.status.replaceAll("_", " ")}${s.problem ? ` — ${s.problem}` : ""}` })); continue; }
    const points = s.forecast.predictions;
    const past = history[s.symptom] ?? [[], []];
    const cut = past[0].length - Math.min(28, past[0].length);
    const xs = [...past[0].slice(cut), ...points.map(p => Date.parse(`${p.date}T12:00:00Z`) / 1000)];
    const pad = a => [...new Array(past[0].length - cut).fill(null), ...a];
    const data = [xs, [...past[1].slice(cut), ...points.map(() => null)],
      pad(points.map(p => p.value)), pad(points.map(p => p.upper_80)), pad(points.map(p => p.lower_80)), pad(points.map(p => p.upper_95)), pad(points.map(p => p.lower_95))];
    const figure = el("figure", { "data-symptom": s.symptom });
    figure.append(el("figcaption", { text: `${LABELS[s.symptom]} — next ${points.length} days (${s.status})` }));
    if (s.forecast.low_confidence) {
      const reasons = (s.forecast.confidence?.reasons ?? []).map(r => CONFIDENCE_REASONS[r] ?? r.replaceAll("_", " "));
      figure.append(el("p", { class: "low-confidence", role: "note", "data-low-confidence": s.symptom,
        text: `Low confidence: ${reasons.join("; ")}. Read this forecast with care.` }));
    }
    host.append(figure);
    state.charts.push(new uPlot({
      width: chartWidth(), height: 220,
      series: [{}, { label: "observed", stroke: "#1b1f24", width: 1.5 }, { label: "forecast", stroke: "#0b5cab", width: 2 },
        { label: "80 % upper", stroke: "#6b9bd1" }, { label: "80 % lower", stroke: "#6b9bd1" },
        { label: "95 % upper", stroke: "#b9cde6", dash: [4, 4] }, { label: "95 % lower", stroke: "#b9cde6", dash: [4, 4] }],
      bands: [{ series: [3, 4], fill: "rgba(11, 92, 171, 0.18)" }, { series: [5, 6], fill: "rgba(11, 92, 171, 0.08)" }],
      axes: [{}, { label: LABELS[s.symptom], size: 60 }], legend: { show: false },
    }, data, figure));
    figure.append(el("p", { class: "status", text: "Black: observed daily mean. Blue: forecast mean; darker band 80 %, lighter band 95 %." }));
    figure.append(dataTable(`${LABELS[s.symptom]} forecast`, ["date", "value", "lower_80", "upper_80", "lower_95", "upper_95"],
      points.map(p => [p.date, p.value, p.lower_80, p.upper_80, p.lower_95, p.upper_95]), { "data-forecast": s.symptom }));
  }
}

function dataTable(caption, columns, rows, attributes) {
  const table = el("table", attributes, el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, ...columns.map(c => el("th", { scope: "col", text: c })))),
    el("tbody", {}, ...rows.map(r => el("tr", {}, ...r.map(v => el("td", { text: typeof v === "number" ? String(v) : v }))))));
  return el("details", { class: "data" }, el("summary", { text: "Data table" }), table);
}

function renderTimeline(history) {
  const host = $("timeline-charts");
  host.replaceChildren();
  for (const type of TIMELINE_TYPES) {
    const series = history[type];
    if (!series || series[0].length === 0) continue;
    const figure = el("figure", { "data-type": type, "data-days": series[0].length });
    figure.append(el("figcaption", { text: `${LABELS[type]} (daily mean)` }));
    host.append(figure);
    state.charts.push(new uPlot({ width: chartWidth(), height: 160, series: [{}, { label: LABELS[type], stroke: "#0b5cab", width: 1.5, points: { show: series[0].length < 40 } }],
      axes: [{}, { size: 60 }], legend: { show: false } }, series, figure));
  }
}

/** Background for a coefficient (red positive, blue negative, stronger = darker) and the text colour, black or white, that contrasts more with it (WCAG). */
function heatColours(r) {
  const alpha = 0.1 + 0.75 * Math.min(1, Math.abs(r));
  const base = r >= 0 ? [178, 34, 34] : [11, 92, 171];
  const blended = base.map(c => c * alpha + 255 * (1 - alpha)); // over the white page
  const channel = v => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const luminance = 0.2126 * channel(blended[0]) + 0.7152 * channel(blended[1]) + 0.0722 * channel(blended[2]);
  const text = (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff";
  return { background: `rgb(${blended.map(Math.round).join(", ")})`, text };
}

function renderHeatmap(part) {
  $("correlation-status").textContent = statusText(part, "correlations");
  const host = $("heatmap");
  host.replaceChildren();
  const rows = part?.report?.correlations ?? [];
  if (rows.length === 0) return;
  const maxLag = part.report.max_lag;
  for (const symptom of SYMPTOMS) {
    const cells = rows.filter(r => r.symptom_type === symptom);
    if (cells.length === 0) continue;
    const biometrics = [...new Set(cells.map(r => r.biometric_type))].sort();
    const lags = [...Array(maxLag + 1).keys()];
    const table = el("table", { class: "heat", "data-symptom": symptom },
      el("caption", { text: `${LABELS[symptom]}: Spearman ρ by lag; outlined cells have q < 0.05 (Benjamini–Hochberg)` }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "biometric \\ lag" }), ...lags.map(l => el("th", { scope: "col", text: String(l) })))));
    const body = el("tbody");
    for (const b of biometrics) {
      const tr = el("tr", {}, el("th", { scope: "row", text: LABELS[b] ?? b }));
      for (const lag of lags) {
        const c = cells.find(r => r.biometric_type === b && r.lag_days === lag);
        if (!c) { tr.append(el("td", { text: "·", title: "not tested" })); continue; }
        const significant = c.q_value < 0.05;
        const td = el("td", { "data-biometric": b, "data-lag": lag, "data-q": c.q_value, class: significant ? "significant" : "",
          title: `ρ ${fmt(c.coefficient, 3)}, p ${c.p_value.toExponential(2)}, q ${c.q_value.toExponential(2)}, n ${c.n}`, text: fmt(c.coefficient, 2) + (significant ? "*" : "") });
        const colours = heatColours(c.coefficient);
        td.style.background = colours.background;
        td.style.color = colours.text;
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    host.append(table);
  }
}

function renderPgx(part) {
  $("pgx-status").textContent = statusText(part, "medications");
  const ranked = part?.ranked ?? [];
  const status = ranked[0]?.prediction?.metabolizer_status ?? {};
  $("metabolizers").replaceChildren(...Object.entries(status).flatMap(([gene, phenotype]) => [el("dt", { text: gene }), el("dd", { "data-gene": gene, text: phenotype })]));
  $("pgx-rows").replaceChildren(...ranked.map(r => el("tr", { "data-drug": r.medication, "data-category": r.guideline_category },
    el("td", { text: String(r.rank) }), el("td", { text: r.medication }), el("td", { text: r.guideline_category.replaceAll("_", " ") }),
    el("td", {}, el("ul", {}, ...r.reasons.map(x => el("li", { text: x })))))));
}

function destroyCharts() {
  for (const c of state.charts) c.destroy();
  state.charts = [];
}

// ---- live ----------------------------------------------------------------------------------------------------------

async function startLive() {
  const connection = new signalR.HubConnectionBuilder()
    // WebSockets only, without the negotiate round trip: the connection lives on the one gateway replica that accepted it,
    // so no sticky sessions are needed behind a load balancer (deploy/README.md).
    .withUrl("/hubs/twins", { accessTokenFactory: () => state.token, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .withAutomaticReconnect()
    .build();
  connection.on("twinUpdated", update => onUpdate(update));
  connection.onreconnected(() => subscribeAll(connection));
  connection.onreconnecting(() => { $("live-status").textContent = "Live updates: reconnecting…"; });
  state.connection = connection;
  try {
    await connection.start();
    await subscribeAll(connection);
  } catch (e) {
    $("live-status").textContent = `Live updates unavailable: ${e.message}`;
  }
}

async function subscribeAll(connection) {
  await Promise.all(state.cohort.map(id => connection.invoke("Subscribe", id)));
  $("live-status").textContent = `Live updates: on (${state.cohort.length} patients)`;
  document.body.setAttribute("data-live", "on");
}

async function onUpdate(update) {
  const id = update.patient_id;
  if (!state.cohort.includes(id)) return;
  const work = [refreshRow(id)];
  if (state.open === id) work.push(renderPatient(id));
  await Promise.all(work);
}

// ---- wiring --------------------------------------------------------------------------------------------------------

$("sign-in-form").addEventListener("submit", e => { e.preventDefault(); signIn($("token").value); });
$("sign-out").addEventListener("click", () => signOut());
$("back").addEventListener("click", () => showCohort());

// For scripted use (and the browser tests): open a patient by id, as a guessed id would be.
window.novamindWorkspace = { openPatient };
