using MudBlazor;
using PrPortal.Features.Account;

namespace PrPortal.Components.Layout;

/// <summary>Every area of the portal, in menu order; the menu and page titles read from here.</summary>
public static class NavAreas
{
    public sealed record Area(string Href, string TitleKey, string Icon, string? Roles = null);

    public static readonly IReadOnlyList<Area> All =
    [
        // The pool grid is the home page: the screen a support person leaves open.
        new("/", "Nav.IpPool", Icons.Material.Filled.Lan),
        new("/overview", "Nav.Overview", Icons.Material.Filled.Dashboard),
        new("/blocklists", "Nav.Blocklists", Icons.Material.Filled.Block),
        new("/incidents", "Nav.Incidents", Icons.Material.Filled.ReportProblem),
        new("/reports", "Nav.Reports", Icons.Material.Filled.Assessment),
        new("/reports/daily", "Nav.DailyReports", Icons.Material.Filled.Today),
        new("/resend", "Nav.Resend", Icons.Material.Filled.Replay),
        new("/sender-domains", "Nav.SenderDomains", Icons.Material.Filled.VerifiedUser),
        new("/link-check", "Nav.LinkCheck", Icons.Material.Filled.Link),
        new("/delivery/test", "Nav.TestSend", Icons.Material.Filled.Send, $"{PortalRoles.Admin},{PortalRoles.Support}"),
        new("/drill", "Nav.Drill", Icons.Material.Filled.School, $"{PortalRoles.Admin},{PortalRoles.Support}"),
        new("/jobs", "Nav.Jobs", Icons.Material.Filled.Schedule),
        new("/audit", "Nav.Audit", Icons.Material.Filled.History),
        new("/admin/users", "Nav.Users", Icons.Material.Filled.People, PortalRoles.Admin),
    ];

    public static string TitleKeyFor(string relativePath)
    {
        var path = "/" + relativePath.Split('?', '#')[0].Trim('/');
        return All.FirstOrDefault(a => a.Href == path)?.TitleKey ?? "Nav.IpPool";
    }
}
