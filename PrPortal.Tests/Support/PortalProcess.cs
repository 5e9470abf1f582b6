using System.Diagnostics;

namespace PrPortal.Tests.Support;

/// <summary>Runs the built portal as a separate process (`dotnet PrPortal.dll …`), as an operator would.</summary>
public static class PortalProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The settings a verb run needs: this database, the test administrator, no sandbox.</summary>
    public static Dictionary<string, string> Environment(string databasePath) => new()
    {
        ["ConnectionStrings__Portal"] = $"Data Source={databasePath}",
        ["Seed__AdminEmail"] = PortalFactory.AdminEmail,
        ["Seed__AdminPassword"] = PortalFactory.AdminPassword,
        ["Sandbox__Enabled"] = "false",
    };

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the verb and returns at once, for a test that stops it midway.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(RepositoryPaths.PortalDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Start from a clean slate: only the settings a test names, plus the quiet defaults.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__") || k.StartsWith("Demo__") || k.StartsWith("Seed__")).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>A running portal (the web server) as its own process, with its standard error read as it comes.</summary>
    public sealed record Web(Process Process, int Port, Task<string> Stderr) : IAsyncDisposable
    {
        public string BaseUrl => $"http://127.0.0.1:{Port}";

        /// <summary>Stops it (SIGKILL) and returns what it wrote on standard error.</summary>
        public async Task<string> StopAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
            await Process.WaitForExitAsync();
            return await Stderr;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            Process.Dispose();
        }
    }

    /// <summary>Starts the portal on a free loopback port and returns once /healthz answers (at most a minute).</summary>
    public static async Task<Web> StartWebAsync(IReadOnlyDictionary<string, string> environment)
    {
        var port = LoopbackPorts.Free();
        var process = Start(environment, "--urls", $"http://127.0.0.1:{port}");
        _ = process.StandardOutput.ReadToEndAsync();
        var web = new Web(process, port, process.StandardError.ReadToEndAsync());
        using var probe = new HttpClient();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync($"{web.BaseUrl}/healthz")).IsSuccessStatusCode)
                {
                    return web;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited || DateTime.UtcNow > until)
            {
                throw new InvalidOperationException("the portal did not start: " + await web.StopAsync());
            }
            await Task.Delay(200);
        }
    }
}
