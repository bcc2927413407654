using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// The Kubernetes overlays as an SRE would apply them: rendered by <c>kubectl kustomize</c>, validated against the
/// Kubernetes/KEDA/Prometheus Operator schemas (deploy/k8s/validate.mjs, npm kubernetes-models), then held to the rules
/// the deployment promises (security context, probes, budgets, autoscaling, GPU placement), one table row per rule.
/// </summary>
public sealed class DeploymentManifestTests
{
    private static readonly Dictionary<string, JsonArray> Rendered = [];

    private static JsonArray Render(string overlay)
    {
        lock (Rendered)
        {
            if (Rendered.TryGetValue(overlay, out var cached)) return cached;
            var yaml = Run("kubectl", $"kustomize deploy/k8s/overlays/{overlay}", null);
            var json = Run("node", "deploy/k8s/validate.mjs", yaml);
            return Rendered[overlay] = JsonNode.Parse(json)!.AsArray();
        }
    }

    private static string Run(string file, string arguments, string? stdin)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = RepoPaths.Root, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception ex) { throw new InvalidOperationException($"{file} is needed to render and validate deploy/k8s ({ex.Message})", ex); }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (stdin is not null) process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), $"{file} {arguments} did not finish");
            Assert.True(process.ExitCode == 0, $"{file} {arguments} failed ({process.ExitCode}): {error.Result}");
            return output.Result;
        }
    }

    private static IEnumerable<JsonNode> OfKind(JsonArray docs, string kind) => docs.Where(d => (string?)d!["kind"] == kind)!;

    private static JsonNode Named(JsonArray docs, string kind, string name) =>
        OfKind(docs, kind).SingleOrDefault(d => (string?)d["metadata"]!["name"] == name) ?? throw new Xunit.Sdk.XunitException($"no {kind} {name}");

    private static string? Env(JsonNode deployment, string name) =>
        (string?)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().SingleOrDefault(e => (string?)e!["name"] == name)?["value"];

    private static bool Matches(JsonNode? selector, JsonNode labels) =>
        selector?["matchLabels"]?.AsObject().All(kv => (string?)labels[kv.Key] == (string?)kv.Value) == true;

    public static TheoryData<string> Overlays => new() { "cpu-only", "gpu" };

    [Theory, MemberData(nameof(Overlays))]
    public void Every_pod_runs_as_a_numeric_non_root_user_with_a_read_only_root_and_no_privileges(string overlay)
    {
        foreach (var deployment in OfKind(Render(overlay), "Deployment"))
        {
            var name = (string)deployment["metadata"]!["name"]!;
            var pod = deployment["spec"]!["template"]!["spec"]!;
            Assert.True((bool?)pod["securityContext"]!["runAsNonRoot"] == true, name);
            Assert.True((int?)pod["securityContext"]!["runAsUser"] is > 0, $"{name}: runAsUser must be a numeric non-root uid");
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
            foreach (var container in pod["containers"]!.AsArray())
            {
                var sc = container!["securityContext"]!;
                Assert.True((bool?)sc["readOnlyRootFilesystem"] == true, name);
                Assert.True((bool?)sc["allowPrivilegeEscalation"] == false, name);
                Assert.Contains("ALL", sc["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));
                // Something writable for .NET's temporary files: /tmp as a memory-backed emptyDir.
                Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/tmp");
            }
        }
    }

    [Theory, MemberData(nameof(Overlays))]
    public void Every_container_has_probes_resources_and_a_pinned_image_from_the_registry(string overlay)
    {
        foreach (var deployment in OfKind(Render(overlay), "Deployment"))
        {
            var name = (string)deployment["metadata"]!["name"]!;
            foreach (var container in deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            {
                Assert.Equal("/health", (string?)container!["startupProbe"]!["httpGet"]!["path"]);
                Assert.Equal("/ready", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
                Assert.Equal("/health", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
                // The gateway's readiness check waits up to 3 s for the cluster: the probe must wait longer.
                Assert.True((int?)container["readinessProbe"]!["timeoutSeconds"] >= 3, $"{name}: readiness timeout");
                Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
                Assert.NotNull(container["resources"]!["requests"]!["memory"]);
                Assert.NotNull(container["resources"]!["limits"]!["memory"]);
                var image = (string)container["image"]!;
                Assert.StartsWith("registry.example.org/novamind/", image);
                Assert.Matches(@"(:[0-9][\w.-]*|@sha256:[0-9a-f]{64})$", image);
                Assert.DoesNotContain(":latest", image);
            }
        }
    }

    [Theory, MemberData(nameof(Overlays))]
    public void Shutdown_fits_in_the_grace_period_and_every_deployment_has_a_budget_and_an_autoscaler(string overlay)
    {
        var docs = Render(overlay);
        foreach (var deployment in OfKind(docs, "Deployment"))
        {
            var name = (string)deployment["metadata"]!["name"]!;
            var pod = deployment["spec"]!["template"]!;
            var grace = (int)pod["spec"]!["terminationGracePeriodSeconds"]!;
            var hostShutdown = int.Parse(Env(deployment, "DOTNET_shutdownTimeoutSeconds") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
            var preStop = pod["spec"]!["containers"]![0]!["lifecycle"]?["preStop"]?["exec"]?["command"]?.AsArray();
            var preStopSeconds = preStop is null ? 0 : int.Parse((string)preStop[^1]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(grace > preStopSeconds + hostShutdown, $"{name}: grace {grace} s ≤ preStop {preStopSeconds} s + shutdown {hostShutdown} s");

            Assert.Single(OfKind(docs, "PodDisruptionBudget"), b => Matches(b["spec"]!["selector"], pod["metadata"]!["labels"]!));
            Assert.Single(OfKind(docs, "ScaledObject"), s => (string?)s["spec"]!["scaleTargetRef"]!["name"] == name);
        }
        // Gateways wait before shutting down, so the Service stops sending them requests first.
        Assert.Equal("sleep", (string?)Named(docs, "Deployment", "novamind-gateway")["spec"]!["template"]!["spec"]!["containers"]![0]!["lifecycle"]!["preStop"]!["exec"]!["command"]![0]);
    }

    [Fact]
    public void Cpu_only_runs_the_model_workers_on_cpu_silos_and_asks_for_no_gpu()
    {
        var docs = Render("cpu-only");
        Assert.Equal(["novamind-gateway", "novamind-silo-cpu"], OfKind(docs, "Deployment").Select(d => (string)d["metadata"]!["name"]!).Order());
        Assert.Equal("false", Env(Named(docs, "Deployment", "novamind-silo-cpu"), "Placement__RequireAccelerator"));
        Assert.DoesNotContain("nvidia.com/gpu", docs.ToJsonString());
        var queries = Named(docs, "ScaledObject", "novamind-silo-cpu")["spec"]!["triggers"]!.AsArray().Select(t => (string?)t!["metadata"]!["query"]);
        Assert.Contains(queries, q => q?.Contains("novamind_inference_queue_depth", StringComparison.Ordinal) == true && q.Contains("novamind_accelerator=\"cpu\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Gpu_places_the_model_workers_on_gpu_silos_only_and_scales_them_on_queue_depth()
    {
        var docs = Render("gpu");
        var gpu = Named(docs, "Deployment", "novamind-silo-gpu");
        var pod = gpu["spec"]!["template"]!["spec"]!;
        Assert.Equal(1, (int?)pod["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("gpu", (string?)pod["nodeSelector"]!["novamind.io/pool"]);
        Assert.Contains(pod["tolerations"]!.AsArray(), t => (string?)t!["key"] == "nvidia.com/gpu" && (string?)t["effect"] == "NoSchedule");
        Assert.Equal("cuda", Env(gpu, "Placement__Accelerator"));
        Assert.Equal("cuda", Env(gpu, "Inference__Device"));
        Assert.Equal("cuda", (string?)gpu["spec"]!["template"]!["metadata"]!["labels"]!["novamind.accelerator"]);
        Assert.StartsWith("registry.example.org/novamind/novamind-silo-gpu:", (string?)pod["containers"]![0]!["image"]);

        var cpu = Named(docs, "Deployment", "novamind-silo-cpu");
        Assert.Equal("true", Env(cpu, "Placement__RequireAccelerator")); // twins only: no model call is placed here
        Assert.Null(cpu["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);

        var trigger = Named(docs, "ScaledObject", "novamind-silo-gpu")["spec"]!["triggers"]!.AsArray().Single()!;
        Assert.Equal("prometheus", (string?)trigger["type"]);
        Assert.Contains("novamind_inference_queue_depth{namespace=\"novamind\", novamind_accelerator=\"cuda\"}", (string?)trigger["metadata"]!["query"]);
        Assert.Contains(OfKind(docs, "PrometheusRule").SelectMany(r => r["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray())),
            r => (string?)r!["alert"] == "NovaMindNoAcceleratorSilo");
    }

    [Theory, MemberData(nameof(Overlays))]
    public void Only_gateways_reach_silos_and_only_silos_reach_the_silo_port(string overlay)
    {
        var docs = Render(overlay);
        var deny = Named(docs, "NetworkPolicy", "default-deny")["spec"]!;
        Assert.Empty(deny["podSelector"]!.AsObject());
        Assert.Equal(["Egress", "Ingress"], deny["policyTypes"]!.AsArray().Select(t => (string)t!).Order());

        var silo = Named(docs, "NetworkPolicy", "novamind-silo")["spec"]!["ingress"]!.AsArray();
        string? From(int port) => silo.Where(r => r!["ports"]!.AsArray().Any(p => (int?)p!["port"] == port))
            .Select(r => (string?)r!["from"]![0]!["podSelector"]?["matchLabels"]?["app.kubernetes.io/component"]).SingleOrDefault();
        Assert.Equal("gateway", From(30000));
        Assert.Equal("silo", From(11111));
        // Every silo Deployment's pods are covered by that policy.
        foreach (var d in OfKind(docs, "Deployment").Where(d => ((string)d["metadata"]!["name"]!).StartsWith("novamind-silo", StringComparison.Ordinal)))
            Assert.True(Matches(Named(docs, "NetworkPolicy", "novamind-silo")["spec"]!["podSelector"], d["spec"]!["template"]!["metadata"]!["labels"]!));
    }

    [Fact]
    public void The_validator_rejects_a_manifest_that_breaks_the_schema()
    {
        var broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, " +
                     "spec: {containers: [{name: c, image: i, ports: [{containerPort: \"eighty\"}]}]}}}\n";
        var ex = Assert.ThrowsAny<Exception>(() => Run("node", "deploy/k8s/validate.mjs", broken));
        Assert.Contains("containerPort must be integer", ex.Message);
        var unknown = Assert.ThrowsAny<Exception>(() => Run("node", "deploy/k8s/validate.mjs", "apiVersion: example.org/v1\nkind: Widget\nmetadata: {name: w}\n"));
        Assert.Contains("no schema for example.org/v1 Widget", unknown.Message);
    }
}
