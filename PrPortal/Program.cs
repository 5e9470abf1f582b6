using PrPortal.Hosting;

return await PortalHost.RunAsync(args);
