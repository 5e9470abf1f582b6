using Microsoft.EntityFrameworkCore;
using PrPortal.Data;
using PrPortal.Data.Entities;
using PrPortal.Features.Account;
using PrPortal.Features.Resend;
using PrPortal.Tests.Support;

namespace PrPortal.Tests.Integration.Resend;

/// <summary>A batch's items, failures first; account managers see the automatic batches that touch their companies, and only their items.</summary>
[Trait("Category", "Integration")]
public sealed class BatchItemsTests
{
    [Fact]
    public async Task An_account_manager_sees_an_automatic_batch_with_their_companies_items_failures_first()
    {
        using var portal = new DemoPortalFactory();
        _ = portal.Server;
        await using var db = await portal.Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var companies = await db.Companies.Where(c => c.AccountManagerId != null).Include(c => c.AccountManager).OrderBy(c => c.Id).ToListAsync();
        var mine = companies[0];
        var others = companies.First(c => c.AccountManagerId != mine.AccountManagerId);
        var bystander = companies.First(c => c.AccountManagerId != mine.AccountManagerId && c.AccountManagerId != others.AccountManagerId);
        var myDeliveries = await db.Deliveries.Where(d => d.Release!.CompanyId == mine.Id).OrderBy(d => d.Id).Select(d => d.Id).Take(3).ToListAsync();
        var otherDelivery = await db.Deliveries.Where(d => d.Release!.CompanyId == others.Id).Select(d => d.Id).FirstAsync();

        var batch = db.ResendBatches.Add(new ResendBatch
        {
            Scope = "policy", State = ResendBatchState.Running, Automatic = true, StartedBy = "auto-resend", CreatedAtUtc = DateTime.UtcNow,
            Language = "ja", NoticeHtml = "<p>n</p>", NoticeText = "n",
        }).Entity;
        await db.SaveChangesAsync();
        ResendItem Item(long delivery, ResendItemState state, string? reply) => new()
        {
            BatchId = batch.Id, DeliveryId = delivery, Category = RecipientCategory.MediaUser, ProviderId = "microsoft-consumer", State = state,
            MessageId = ResendService.MessageIdFor(batch.Id, delivery), Reply = reply, Tries = state == ResendItemState.Pending ? 0 : 1,
        };
        db.ResendItems.AddRange(
            Item(myDeliveries[0], ResendItemState.Sent, "250 2.0.0 OK"),
            Item(myDeliveries[1], ResendItemState.Failed, "550 5.1.1 User unknown"),
            Item(myDeliveries[2], ResendItemState.Pending, null),
            Item(otherDelivery, ResendItemState.Failed, "550 5.7.1 other company"));
        await db.SaveChangesAsync();

        var resends = portal.Service<ResendService>();
        var manager = TestUsers.AccountManager(mine.AccountManagerId!, mine.AccountManager!.Email!);
        Assert.Contains(await resends.BatchesAsync(manager, 50, default), b => b.Id == batch.Id);
        var items = (await resends.BatchItemsAsync(manager, batch.Id, default))!.Value.Items;
        Assert.Equal([ResendItemState.Failed, ResendItemState.Pending, ResendItemState.Sent], items.Select(i => i.State).ToList());
        Assert.All(items, i => Assert.Equal(mine.Name, i.Company));
        Assert.Equal("550 5.1.1 User unknown", items[0].Reply);

        // Support sees all four; a manager whose companies the batch does not touch sees nothing of it.
        Assert.Equal(4, (await resends.BatchItemsAsync(TestUsers.As(PortalRoles.Support), batch.Id, default))!.Value.Items.Count);
        var outsider = await db.Users.SingleAsync(u => u.Id == bystander.AccountManagerId);
        var outsiderUser = TestUsers.AccountManager(outsider.Id, outsider.Email!);
        Assert.DoesNotContain(await resends.BatchesAsync(outsiderUser, 50, default), b => b.Id == batch.Id);
        Assert.Null(await resends.BatchItemsAsync(outsiderUser, batch.Id, default));
    }
}
