using System.Globalization;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PrPortal.Components.Layout;
using PrPortal.Components.Shared;
using PrPortal.Features.Account;

namespace PrPortal.Tests.Components;

[Trait("Category", "Components")]
public sealed class ShellComponentTests : BunitContext
{
    public ShellComponentTests()
    {
        Services.AddLocalization();
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("ja-JP");
    }

    [Fact]
    public void Menu_lists_every_area_in_japanese_and_users_only_for_admins()
    {
        AddAuthorization().SetAuthorized("admin@x").SetRoles(PortalRoles.Admin);

        var menu = Render<NavMenu>();

        foreach (var label in new[] { "概要", "IPプールの健全性", "ブロックリスト履歴", "インシデント", "影響レポート", "再送", "送信ドメイン認証", "リンクチェック", "スケジュールジョブ", "ユーザー管理" })
        {
            Assert.Contains(label, menu.Markup);
        }
    }

    [Theory]
    [InlineData(PortalRoles.AccountManager)]
    [InlineData(PortalRoles.Support)]
    public void Menu_hides_user_management_from_other_roles(string role)
    {
        AddAuthorization().SetAuthorized("someone@x").SetRoles(role);

        var menu = Render<NavMenu>();

        Assert.DoesNotContain("ユーザー管理", menu.Markup);
        Assert.Contains("スケジュールジョブ", menu.Markup);
        Assert.Equal(role == PortalRoles.Support, menu.Markup.Contains("テスト送信"));
    }

    [Fact]
    public void Menu_speaks_english_when_chosen()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("en-US");
        AddAuthorization().SetAuthorized("admin@x").SetRoles(PortalRoles.Admin);

        var menu = Render<NavMenu>();

        Assert.Contains("IP pool health", menu.Markup);
        Assert.Contains("Users", menu.Markup);
        Assert.DoesNotContain("概要", menu.Markup);
    }

    [Fact]
    public void Stat_card_marks_an_alarm()
    {
        var quiet = Render<StatCard>(p => p.Add(c => c.Label, "配信").Add(c => c.Value, "1,234"));
        var alarm = Render<StatCard>(p => p.Add(c => c.Label, "配信失敗").Add(c => c.Value, "56").Add(c => c.Alarm, true));

        Assert.Empty(quiet.FindAll(".stat-alarm"));
        Assert.Contains("56", alarm.Find(".stat-alarm .stat-value").TextContent);
    }
}
