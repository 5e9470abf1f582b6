namespace PrPortal.Hosting;

/// <summary>A fault the operator must fix before the portal can start; its message is the one line shown.</summary>
public sealed class StartupException(string message, int exitCode = 2, Exception? inner = null)
    : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
