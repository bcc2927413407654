// Validates rendered Kubernetes manifests (multi-document YAML on stdin, e.g. `kubectl kustomize deploy/k8s/overlays/gpu`)
// against the Kubernetes and CRD schemas of npm's kubernetes-models, @kubernetes-models/keda and
// @kubernetes-models/prometheus-operator. A kind without a schema here is an error, so nothing passes unchecked.
// Prints the documents as one JSON array (for the policy tests) and exits 1 naming every invalid document.
import { parseAllDocuments } from "yaml";

const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelFor(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = packages[group] ?? "kubernetes-models";
  const module = await import(`${pkg}/${apiVersion}`).catch(() => null);
  return module?.[kind] ?? null;
}

const input = await new Promise(resolve => {
  let text = "";
  process.stdin.setEncoding("utf8").on("data", c => (text += c)).on("end", () => resolve(text));
});
const documents = parseAllDocuments(input).map(d => d.toJS()).filter(d => d !== null);
const problems = [];
for (const doc of documents) {
  const name = `${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
  const Model = doc.apiVersion && doc.kind ? await modelFor(doc.apiVersion, doc.kind) : null;
  if (!Model) { problems.push(`${name}: no schema for ${doc.apiVersion} ${doc.kind}`); continue; }
  try { new Model(doc).validate(); } catch (e) { problems.push(`${name}: ${e.message}`); }
}
if (documents.length === 0) problems.push("no documents on stdin");
if (problems.length > 0) {
  for (const p of problems) console.error(`invalid: ${p}`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(documents));
