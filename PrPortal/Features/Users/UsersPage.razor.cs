using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace PrPortal.Features.Users;

public partial class UsersPage
{
    [Inject] private UserService Users { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<UserRow>? _users;
    private string? _error;

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        var actor = (await AuthenticationState).User;
        _users = await Users.ListAsync(actor, CancellationToken.None);
    }

    private async Task OpenAddDialogAsync()
    {
        var dialog = await Dialogs.ShowAsync<AddUserDialog>(L["Users.Add"]);
        var result = await dialog.Result;
        if (result is { Canceled: false })
        {
            await LoadAsync();
        }
    }

    private async Task OpenPasswordDialogAsync(UserRow user)
    {
        var parameters = new DialogParameters<SetPasswordDialog> { { d => d.UserId, user.Id } };
        await Dialogs.ShowAsync<SetPasswordDialog>($"{L["Users.SetPassword"]}: {user.Email}", parameters);
    }

    private async Task SetRoleAsync(UserRow user, string role) =>
        await ApplyAsync(actor => Users.SetRoleAsync(actor, user.Id, role, CancellationToken.None));

    private async Task UnlockAsync(UserRow user) =>
        await ApplyAsync(actor => Users.UnlockAsync(actor, user.Id, CancellationToken.None));

    private async Task ToggleDisabledAsync(UserRow user) =>
        await ApplyAsync(actor => Users.SetDisabledAsync(actor, user.Id, !user.IsDisabled, CancellationToken.None));

    private async Task ApplyAsync(Func<System.Security.Claims.ClaimsPrincipal, Task<UserChangeResult>> change)
    {
        var actor = (await AuthenticationState).User;
        var result = await change(actor);
        _error = result.Error;
        await LoadAsync();
    }
}
