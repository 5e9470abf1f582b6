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
}
