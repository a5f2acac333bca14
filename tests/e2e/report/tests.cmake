# report.html (issue 15): built from released files only, rendered in headless Chromium.
kohort_script_test(e2e_report_browser ${CMAKE_CURRENT_LIST_DIR}/report_browser.sh TIMEOUT 600 LABELS report)
