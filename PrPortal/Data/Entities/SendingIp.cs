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
    public bool Enabled { get; set; } = true;
}
