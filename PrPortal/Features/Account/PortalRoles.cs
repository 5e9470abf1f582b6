namespace PrPortal.Features.Account;

public static class PortalRoles
{
    public const string Admin = "Admin";
    public const string Support = "Support";
    public const string AccountManager = "AccountManager";

    public static readonly IReadOnlyList<string> All = [Admin, Support, AccountManager];
}
