using System.Diagnostics;
using System.Text;

namespace NovaMind.TestInfrastructure;

/// <summary>A NovaMind service (silo or gateway) run as a real process from its build output.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public string Name { get; }

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>src/{project}/bin/{configuration}/net10.0/{project}.dll</c> with the given environment.</summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepoPaths.Root, "src", project, "bin", BuildConfiguration, "net10.0", project + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built; run './novamind test'", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        psi.ArgumentList.Add(dll);
        // Not Development (no developer conveniences) and not Production (which refuses Azurite's development account).
        psi.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new ServiceProcess(project, Process.Start(psi) ?? throw new InvalidOperationException($"could not start {project}"));
    }

    /// <summary>The configuration these tests were built in (Debug/Release), which the services share.</summary>
    public static string BuildConfiguration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public bool HasExited => _process.HasExited;

    public string Output()
    {
        lock (_output) return _output.ToString();
    }

    /// <summary>Waits for the process to end by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public async Task WaitUntilReadyAsync(Uri readyUrl, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{Output()}");
            try
            {
                if ((await http.GetAsync(readyUrl)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{Name} was not ready at {readyUrl} within {timeout}:\n{Output()}");
    }

    /// <summary>Sends SIGTERM (what Kubernetes and Ctrl-C send) and waits for the exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        return await WaitForExitAsync(timeout);
    }

    private bool _disposed;

    /// <summary>Kills the process (SIGKILL, like kill -9) if it still runs; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
