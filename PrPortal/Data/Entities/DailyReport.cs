namespace PrPortal.Data.Entities;

/// <summary>One day's report per provider × sending IP (rows kept as JSON: a report is read whole).</summary>
public class DailyReport
{
    public int Id { get; set; }
    public DateOnly Day { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public string Json { get; set; } = "[]";
}
