using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Features.Account;
using PrPortal.Features.Incidents;
using PrPortal.Infrastructure.Text;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Incidents;

/// <summary>Acknowledge, take over and note an incident: kept on its timeline with who; bad input changes nothing.</summary>
[Trait("Category", "Integration")]
public sealed class IncidentActionTests
{
    [Fact]
    public async Task Staff_actions_land_on_the_timeline_and_bad_ones_are_refused()
    {
        using var portal = new StoryPortalFactory();
        _ = portal.Server;
        var incidents = portal.Service<IncidentService>();
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var id = await db.Incidents.Where(i => i.Status == Data.Entities.IncidentStatus.Open).Select(i => i.Id).SingleAsync();
        var support = TestUsers.As(PortalRoles.Support);
        var before = await db.IncidentEvents.CountAsync(e => e.IncidentId == id);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => incidents.RecordActionAsync(TestUsers.As(PortalRoles.AccountManager), id, "acknowledged", null, DateTime.UtcNow, default));
        await Assert.ThrowsAsync<ArgumentException>(() => incidents.RecordActionAsync(support, id, "note", "   ", DateTime.UtcNow, default));
        await Assert.ThrowsAsync<ArgumentException>(() => incidents.RecordActionAsync(support, id, "deleted", null, DateTime.UtcNow, default));
        Assert.False(await incidents.RecordActionAsync(support, 999_999, "acknowledged", null, DateTime.UtcNow, default));
        Assert.Equal(before, await db.IncidentEvents.CountAsync(e => e.IncidentId == id));

        Assert.True(await incidents.RecordActionAsync(support, id, "acknowledged", null, DateTime.UtcNow, default));
        Assert.True(await incidents.RecordActionAsync(support, id, "note", "SNDS に申請済み", DateTime.UtcNow, default));
        var events = await db.IncidentEvents.AsNoTracking().Where(e => e.IncidentId == id).OrderByDescending(e => e.Id).Take(2).ToListAsync();
        Assert.Equal(("note", "Note by support@test: SNDS に申請済み"), (events[0].Kind, LocalText.Plain(events[0].Message)));
        Assert.Equal(("acknowledged", "Acknowledged by support@test"), (events[1].Kind, LocalText.Plain(events[1].Message)));
    }
}
