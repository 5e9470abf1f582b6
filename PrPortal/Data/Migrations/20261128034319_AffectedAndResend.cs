using PrPortal.Data;
﻿using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrPortal.Data.Migrations
{
    /// <inheritdoc />
    public partial class AffectedAndResend : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "UnsubscribedAtUtc",
                table: "Recipients",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CompanyContacts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CompanyId = table.Column<int>(type: "INTEGER", nullable: false),
                    IncidentId = table.Column<int>(type: "INTEGER", nullable: true),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CompanyContacts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CompanyContacts_Companies_CompanyId",
                        column: x => x.CompanyId,
                        principalTable: "Companies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "FailedDeliveries",
                columns: table => new
                {
                    DeliveryId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReleaseId = table.Column<int>(type: "INTEGER", nullable: false),
                    CompanyId = table.Column<int>(type: "INTEGER", nullable: false),
                    RecipientId = table.Column<int>(type: "INTEGER", nullable: false),
                    Category = table.Column<int>(type: "INTEGER", nullable: false),
                    ProviderId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    SendingIpId = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    IpBlock = table.Column<bool>(type: "INTEGER", nullable: false),
                    FailedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DeliveredAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ResendState = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FailedDeliveries", x => x.DeliveryId);
                });

            migrationBuilder.CreateTable(
                name: "NoticeTemplates",
                columns: table => new
                {
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    SubjectPrefix = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Html = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NoticeTemplates", x => x.Language);
                });

            migrationBuilder.CreateTable(
                name: "ResendBatches",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    IncidentId = table.Column<int>(type: "INTEGER", nullable: true),
                    CompanyId = table.Column<int>(type: "INTEGER", nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Automatic = table.Column<bool>(type: "INTEGER", nullable: false),
                    StartedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ConsentReference = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    SubjectPrefix = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    NoticeHtml = table.Column<string>(type: "TEXT", nullable: false),
                    NoticeText = table.Column<string>(type: "TEXT", nullable: false),
                    NoticeAfterMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    ExcludedOwnReason = table.Column<int>(type: "INTEGER", nullable: false),
                    ExcludedDelivered = table.Column<int>(type: "INTEGER", nullable: false),
                    ExcludedUnsubscribed = table.Column<int>(type: "INTEGER", nullable: false),
                    ExcludedElsewhere = table.Column<int>(type: "INTEGER", nullable: false),
                    ExcludedNoConsent = table.Column<int>(type: "INTEGER", nullable: false),
                    Counts = table.Column<string>(type: "TEXT", nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ResendBatches", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ResendPolicySettings",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    AutoEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    AutoWithinHours = table.Column<int>(type: "INTEGER", nullable: false),
                    NoticeAfterMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    PerProviderPerMinute = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ResendPolicySettings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ResendItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BatchId = table.Column<int>(type: "INTEGER", nullable: false),
                    DeliveryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Category = table.Column<int>(type: "INTEGER", nullable: false),
                    ProviderId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    MessageId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Tries = table.Column<int>(type: "INTEGER", nullable: false),
                    TriedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SentAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SourceIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: true),
                    Reply = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ResendItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ResendItems_ResendBatches_BatchId",
                        column: x => x.BatchId,
                        principalTable: "ResendBatches",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CompanyContacts_CompanyId_IncidentId",
                table: "CompanyContacts",
                columns: new[] { "CompanyId", "IncidentId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_FailedDeliveries_CompanyId_FailedAtUtc",
                table: "FailedDeliveries",
                columns: new[] { "CompanyId", "FailedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_FailedDeliveries_FailedAtUtc_ProviderId",
                table: "FailedDeliveries",
                columns: new[] { "FailedAtUtc", "ProviderId" });

            migrationBuilder.CreateIndex(
                name: "IX_FailedDeliveries_RecipientId",
                table: "FailedDeliveries",
                column: "RecipientId");

            migrationBuilder.CreateIndex(
                name: "IX_FailedDeliveries_ReleaseId",
                table: "FailedDeliveries",
                column: "ReleaseId");

            migrationBuilder.CreateIndex(
                name: "IX_ResendBatches_State",
                table: "ResendBatches",
                column: "State");

            migrationBuilder.CreateIndex(
                name: "IX_ResendItems_BatchId_DeliveryId",
                table: "ResendItems",
                columns: new[] { "BatchId", "DeliveryId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ResendItems_BatchId_State",
                table: "ResendItems",
                columns: new[] { "BatchId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_ResendItems_DeliveryId",
                table: "ResendItems",
                column: "DeliveryId");
            migrationBuilder.Sql(FailureLedgerSql.CreateTriggersV1);
            migrationBuilder.Sql(FailureLedgerSql.Backfill);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(FailureLedgerSql.DropTriggers);
            migrationBuilder.DropTable(
                name: "CompanyContacts");

            migrationBuilder.DropTable(
                name: "FailedDeliveries");

            migrationBuilder.DropTable(
                name: "NoticeTemplates");

            migrationBuilder.DropTable(
                name: "ResendItems");

            migrationBuilder.DropTable(
                name: "ResendPolicySettings");

            migrationBuilder.DropTable(
                name: "ResendBatches");

            migrationBuilder.DropColumn(
                name: "UnsubscribedAtUtc",
                table: "Recipients");
        }
    }
}
