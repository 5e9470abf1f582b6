#!/usr/bin/env bash
# Installs what the tests need when it is missing (Debian's Chromium and Japanese fonts for the
# browser tests, dovecot for the bounce mailbox, rbldnsd for the blocklist checks, opendkim to verify
# our DKIM signatures, postfix's smtp-sink to count resends), then builds and
# runs every test.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# grep reads the whole list: with -q it would stop early and pipefail would see fc-list die of SIGPIPE.
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/sbin/rbldnsd ] || need+=(rbldnsd)
[ -x /usr/sbin/opendkim ] || need+=(opendkim)
# Postfix for its smtp-sink, the counting receiver of the resend tests (its own mail system stays unconfigured).
[ -x /usr/sbin/smtp-sink ] || need+=(postfix)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build PrPortal.sln -c Release --nologo -v quiet
rm -f TestResults/results.trx
status=0
dotnet test PrPortal.sln -c Release --no-build --nologo --results-directory TestResults \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" "$@" || status=$?

# Logic that depends on the hour or the zone: the unit tests and the daily-report clock tests again in
# Tokyo's and Los Angeles's zone (the main run is in the machine's).
for zone in Asia/Tokyo America/Los_Angeles; do
  echo "Unit and clock tests with TZ=$zone"
  TZ=$zone dotnet test PrPortal.Tests -c Release --no-build --nologo \
    --filter "Category=Unit|FullyQualifiedName~DailyReportClockTests" --logger "console;verbosity=minimal" || status=$?
done

# One plain closing line with the counts.
if [ -f TestResults/results.trx ]; then
  counters=$(grep -o '<Counters [^>]*>' TestResults/results.trx)
  passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  notrun=$(sed -E 's/.* notExecuted="([0-9]+)".*/\1/' <<<"$counters")
  # The names of the failed tests last, where a cut-short log still shows them.
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' TestResults/results.trx \
    | sed -E 's/.*testName="([^"]*)".*/FAILED: \1/' || true
  echo "${passed} passed, ${failed} failed, ${notrun} skipped"
fi
exit $status
