namespace PrPortal.Data.Entities;

public enum SendingIpRole
{
    Primary = 1,
    Spare = 2,
}

public class SendingIp
{
    public int Id { get; set; }
    public required string Address { get; set; }
    public SendingIpRole Role { get; set; }
    public string? HostName { get; set; }
    /// <summary>
    /// The local address the sender binds to. Null means <see cref="Address"/> itself; in the sandbox it
    /// is a loopback alias (127.0.1.n) standing in for the production address.
    /// </summary>
    public string? BindAddress { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>The MTA transport that sends from this IP, as its log names it (Postfix syslog_name, PowerMTA VMTA).</summary>
    public string? Transport { get; set; }
}
