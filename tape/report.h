/* report.h — printing a 3po-sim run: the text report and the JSON document. */
#ifndef TPO_REPORT_H
#define TPO_REPORT_H

#include <stdio.h>

#include "driver.h"

void tpo_report_text(FILE *f, const tpo_simrun_config *c, const tpo_simrun *r);
void tpo_report_json(FILE *f, const tpo_simrun_config *c, const tpo_simrun *r);

#endif
