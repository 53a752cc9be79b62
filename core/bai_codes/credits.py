"""BAI2 type codes 100-399: credits (activity totals and details).

One row per code: code, direction (C credit / D debit / - none), level (T status /
S summary / D detail), description; read by core.bai_codes into TYPE_CODES.
"""

ROWS = """
100 C S Total Credits
101 C S Total Credit Amount MTD
105 C S Credits Not Detailed
106 C S Deposits Subject to Float
107 C S Total Adjustment Credits YTD
108 C D Credit (Any Type)
109 C S Current Day Total Lockbox Deposits
110 C S Total Lockbox Deposits
115 C D Lockbox Deposit
116 C D Item in Lockbox Deposit
118 C D Lockbox Adjustment Credit
120 C S EDI Transaction Credits
121 C D EDI Transaction Credit
122 C D EDIBANX Credit Received
123 C D EDIBANX Credit Return
130 C S Total Concentration Credits
131 C S Total DTC Credits
135 C D DTC Concentration Credit
136 C D Item in DTC Deposit
140 C S Total ACH Credits
142 C D ACH Credit Received
143 C D Item in ACH Deposit
145 C D ACH Concentration Credit
146 C S Total Bank Card Deposits
147 C D Individual Bank Card Deposit
150 C S Total Preauthorized Payment Credits
155 C D Preauthorized Draft Credit
156 C D Item in PAC Deposit
160 C S Total ACH Disbursing Funding Credits
162 C S Corporate Trade Payment Settlement
163 C S Corporate Trade Payment Credits
164 C D Corporate Trade Payment Credit
165 C D Preauthorized ACH Credit
166 C D ACH Settlement
167 C S ACH Settlement Credits
168 C S ACH Return Item or Adjustment Settlement
169 C D Miscellaneous ACH Credit
170 C S Total Other Check Deposits
171 C D Individual Loan Deposit
172 C D Deposit Correction
173 C D Bank-Prepared Deposit
174 C D Other Deposit
175 C D Check Deposit Package
176 C D Re-presented Check Deposit
178 C S List Post Credits
180 C S Total Loan Proceeds
182 C S Total Bank-Prepared Deposits
184 C D Draft Deposit
185 C S Total Miscellaneous Deposits
186 C S Total Cash Letter Credits
187 C D Cash Letter Credit
188 C S Total Cash Letter Adjustments
189 C D Cash Letter Adjustment
190 C S Total Incoming Money Transfers
191 C D Individual Incoming Internal Money Transfer
195 C D Incoming Money Transfer
196 C D Money Transfer Adjustment
198 C D Compensation
200 C S Total Automatic Transfer Credits
201 C D Individual Automatic Transfer Credit
202 C D Bond Operations Credit
205 C S Total Book Transfer Credits
206 C D Book Transfer Credit
207 C S Total International Money Transfer Credits
208 C D Individual International Money Transfer Credit
210 C S Total International Credits
212 C D Foreign Letter of Credit
213 C D Letter of Credit
214 C D Foreign Exchange of Credit
215 C S Total Letters of Credit
216 C D Foreign Remittance Credit
218 C D Foreign Collection Credit
221 C D Foreign Check Purchase
222 C D Foreign Checks Deposited
224 C D Commission
226 C D International Money Market Trading
227 C D Standing Order
229 C D Miscellaneous International Credit
230 C S Total Security Credits
231 C S Total Collection Credits
232 C D Sale of Debt Security
233 C D Securities Sold
234 C D Sale of Equity Security
235 C D Matured Reverse Repurchase Order
236 C D Maturity of Debt Security
237 C D Individual Collection Credit
238 C D Collection of Dividends
239 C S Total Bankers' Acceptance Credits
240 C D Coupon Collections - Banks
241 C D Bankers' Acceptances
242 C D Collection of Interest Income
243 C D Matured Fed Funds Purchased
244 C D Interest/Matured Principal Payment
245 C S Monthly Dividends
246 C D Commercial Paper
247 C D Capital Change
248 C D Savings Bonds Sales Adjustment
249 C D Miscellaneous Security Credit
250 C S Total Checks Posted and Returned
251 C S Total Debit Reversals
252 C D Debit Reversal
254 C D Posting Error Correction Credit
255 C D Check Posted and Returned
256 C S Total ACH Return Items
257 C D Individual ACH Return Item
258 C D ACH Reversal Credit
260 C S Total Rejected Credits
261 C D Individual Rejected Credit
263 C D Overdraft
266 C D Return Item
268 C D Return Item Adjustment
270 C S Total ZBA Credits
271 C S Net Zero-Balance Amount
274 C D Cumulative ZBA or Disbursement Credits
275 C D ZBA Credit
276 C D ZBA Float Adjustment
277 C D ZBA Credit Transfer
278 C D ZBA Credit Adjustment
280 C S Total Controlled Disbursing Credits
281 C D Individual Controlled Disbursing Credit
285 C S Total DTC Disbursing Credits
286 C D Individual DTC Disbursing Credit
294 C S Total ATM Credits
295 C D ATM Credit
301 C D Commercial Deposit
302 C S Correspondent Bank Deposit
303 C S Total Wire Transfers In - FF
304 C S Total Wire Transfers In - CHF
305 C S Total Fed Funds Sold
306 C D Fed Funds Sold
307 C S Total Trust Credits
308 C D Trust Credit
309 C S Total Value-Dated Funds
310 C S Total Commercial Deposits
315 C S Total International Credits - FF
316 C S Total International Credits - CHF
318 C S Total Foreign Check Purchased
319 C S Late Deposit
320 C S Total Securities Sold - FF
321 C S Total Securities Sold - CHF
324 C S Total Securities Matured - FF
325 C S Total Securities Matured - CHF
326 C S Total Securities Interest
327 C S Total Securities Matured
328 C S Total Securities Interest - FF
329 C S Total Securities Interest - CHF
330 C S Total Escrow Credits
331 C D Individual Escrow Credit
332 C S Total Miscellaneous Securities Credits - FF
336 C S Total Miscellaneous Securities Credits - CHF
338 C S Total Securities Sold
340 C S Total Broker Deposits
341 C S Total Broker Deposits - FF
342 C D Broker Deposit
343 C S Total Broker Deposits - CHF
344 C D Individual Back Value Credit
345 C D Item in Brokers Deposit
346 C D Sweep Interest Income
347 C D Sweep Principal Sell
348 C D Futures Credit
349 C D Principal Payments Credit
350 C S Investment Sold
351 C D Individual Investment Sold
352 C S Total Cash Center Credits
353 C D Cash Center Credit
354 C D Interest Credit
355 C S Investment Interest
356 C S Total Credit Adjustment
357 C D Credit Adjustment
358 C D YTD Adjustment Credit
359 C D Interest Adjustment Credit
360 C S Total Credits Less Wire Transfer and Returned Checks
361 C S Grand Total Credits Less Grand Total Debits
362 C D Correspondent Collection
363 C D Correspondent Collection Adjustment
364 C D Loan Participation
366 C D Currency and Coin Deposited
367 C D Food Stamp Letter
368 C D Food Stamp Adjustment
369 C D Clearing Settlement Credit
370 C S Total Back Value Credits
372 C D Back Value Adjustment
373 C D Customer Payroll
374 C D FRB Statement Recap
376 C D Savings Bond Letter or Adjustment
377 C D Treasury Tax and Loan Credit
378 C D Transfer of Treasury Credit
379 C D FRB Government Checks Cash Letter Credit
381 C D FRB Government Check Adjustment
382 C D FRB Postal Money Order Credit
383 C D FRB Postal Money Order Adjustment
384 C D FRB Cash Letter Auto Charge Credit
385 C S Total Universal Credits
386 C D FRB Cash Letter Auto Charge Adjustment
387 C D FRB Fine-Sort Cash Letter Credit
388 C D FRB Fine-Sort Adjustment
389 C S Total Freight Payment Credits
390 C S Total Miscellaneous Credits
391 C D Universal Credit
392 C D Freight Payment Credit
393 C D Itemized Credit Over $10,000
394 C D Cumulative Credits
395 C D Check Reversal
397 C D Float Adjustment
398 C D Miscellaneous Fee Refund
399 C D Miscellaneous Credit
"""
