using System.Net;
using PrPortal.Features.DemoWorld;
using PrPortal.Sandbox.Dns;

namespace PrPortal.Sandbox.Http;

/// <summary>
/// What the demo releases link to, served by the sandbox's link web: each company's news pages, a shortener
/// with a tracking redirect behind it, a domain on the DBL's test point, a program download and a dead page.
/// Links carry the link web's port, since it does not listen on 80.
/// </summary>
public static class DemoLinkSites
{
    public const string Shortener = "bit.ly";
    public const string Tracker = "click.mailtrack.example.jp";
    public const string Listed = "dbltest.com";
    public const string Downloads = "downloads.example-files.jp";

    public static string CompanySite(int companyIndex) => "www." + DemoWorldCatalog.CompanyDomain(companyIndex);

    public static void Register(LinkWorld web, SandboxZones zones, int companies)
    {
        foreach (var host in new[] { Shortener, Tracker, Listed, Downloads, "xn--80ak6aa92e.com" })
        {
            zones.SetA(host, web.Address);
        }
        for (var i = 0; i < companies; i++)
        {
            zones.SetA(CompanySite(i), web.Address);
        }
        web.Redirect(Shortener, "/prp-demo", web.Url(Tracker, "/c?u=release"), 301);
        web.Redirect(Tracker, "/c", web.Url(CompanySite(0), "/news/campaign.html"), 302);
        web.Page(Listed, "/offer", "<html><body>offer</body></html>");
        web.Page(Downloads, "/viewer/setup.exe", "MZ", contentType: "application/octet-stream", attachment: "setup.exe");
        web.Page("xn--80ak6aa92e.com", "/login", "<html><body>login</body></html>");
        web.Fallback = async context =>
        {
            if (context.Request.Path.StartsWithSegments("/news"))
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.WriteAsync("<html><body><h1>ニュースリリース</h1></body></html>");
                return;
            }
            context.Response.StatusCode = 404;
        };
    }

    /// <summary>
    /// A release body as the demo stores it: the company's own page, and in some releases a shortened link,
    /// a blocklisted domain or a program download, so the pre-send check has something to say.
    /// </summary>
    public static string ReleaseHtml(int releaseId, int companyIndex, string title, int port)
    {
        string Url(string host, string path) => port is 80 or 0 ? $"http://{host}{path}" : $"http://{host}:{port}{path}";
        var site = CompanySite(companyIndex);
        var extra = (releaseId % 7, releaseId % 13) switch
        {
            (0, _) => $"<p>キャンペーン詳細: <a href=\"{Url(Shortener, "/prp-demo")}\">{Url(Shortener, "/prp-demo")}</a></p>",
            (_, 0) => $"<p>特典はこちら: <a href=\"{Url(Listed, "/offer")}\">特典ページ</a></p><p>専用ビューア: <a href=\"{Url(Downloads, "/viewer/setup.exe")}\">ダウンロード</a></p>",
            _ => "",
        };
        return $"<html><body><h1>{WebUtility.HtmlEncode(title)}</h1><p>詳細は当社ウェブサイトをご覧ください。</p>"
               + $"<p><a href=\"{Url(site, $"/news/{releaseId}.html")}\">{site}/news/{releaseId}.html</a></p>{extra}"
               + $"<img src=\"{Url(site, "/news/logo.png")}\" alt=\"logo\"></body></html>";
    }

    /// <summary>A release to try the link check page with: one link of each kind it warns about.</summary>
    public static string SampleRelease(int port)
    {
        string Url(string host, string path) => port is 80 or 0 ? $"http://{host}{path}" : $"http://{host}:{port}{path}";
        var site = CompanySite(0);
        return $"""
            <html><body>
            <h1>新製品発表のお知らせ</h1>
            <p>製品ページ: <a href="{Url(site, "/news/product.html")}">{site}/news/product.html</a></p>
            <p>キャンペーン: <a href="{Url(Shortener, "/prp-demo")}">{Url(Shortener, "/prp-demo")}</a></p>
            <p>特典: <a href="{Url(Listed, "/offer")}">特典ページ</a></p>
            <p>ビューア: <a href="{Url(Downloads, "/viewer/setup.exe")}">ダウンロード</a></p>
            <p>会員ログイン: <a href="{Url("xn--80ak6aa92e.com", "/login")}">https://{site}/login</a></p>
            <p>旧ページ: <a href="{Url(site, "/old/index.html")}">こちら</a></p>
            <p>社内資料: <a href="http://192.168.10.5/share/">資料</a></p>
            <img src="{Url(site, "/news/logo.png")}" alt="logo">
            </body></html>
            """;
    }
}
