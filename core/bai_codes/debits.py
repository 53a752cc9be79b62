"""BAI2 type codes 400-699: debits (activity totals and details).

One row per code: code, direction (C credit / D debit / - none), level (T status /
S summary / D detail), description; read by core.bai_codes into TYPE_CODES.
"""

ROWS = """
400 D S Total Debits
401 D S Total Debit Amount MTD
403 D S Today's Total Debits
405 D S Total Debit Less Wire Transfers and Charge-Backs
406 D S Debits not Detailed
408 D D Float Adjustment
409 D D Debit (Any Type)
410 D S Total YTD Adjustment
412 D S Total Debits (Excluding Returned Items)
415 D D Lockbox Debit
416 D S Total Lockbox Debits
420 D S EDI Transaction Debits
421 D D EDI Transaction Debit
422 D D EDIBANX Settlement Debit
423 D D EDIBANX Return Item Debit
430 D S Total Payable-Through Drafts
435 D D Payable-Through Draft
445 D D ACH Concentration Debit
446 D S Total ACH Disbursement Funding Debits
447 D D ACH Disbursement Funding Debit
450 D S Total ACH Debits
451 D D ACH Debit Received
452 D D Item in ACH Disbursement or Debit
455 D D Preauthorized ACH Debit
462 D D Account Holder Initiated ACH Debit
463 D S Corporate Trade Payment Debits
464 D D Corporate Trade Payment Debit
465 D S Corporate Trade Payment Settlement
466 D D ACH Settlement
467 D S ACH Settlement Debits
468 D D ACH Return Item or Adjustment Settlement
469 D D Miscellaneous ACH Debit
470 D S Total Check Paid
471 D S Total Check Paid - Cumulative MTD
472 D D Cumulative Checks Paid
474 D D Certified Check Debit
475 D D Check Paid
476 D D Federal Reserve Bank Letter Debit
477 D D Bank Originated Debit
478 D S List Post Debits
479 D D List Post Debit
480 D S Total Loan Payments
481 D D Individual Loan Payment
482 D S Total Bank-Originated Debits
484 D D Draft
485 D D DTC Debit
486 D S Total Cash Letter Debits
487 D D Cash Letter Debit
489 D D Cash Letter Adjustment
490 D S Total Outgoing Money Transfers
491 D D Individual Outgoing Internal Money Transfer
493 D D Customer Terminal Initiated Money Transfer
495 D D Outgoing Money Transfer
496 D D Money Transfer Adjustment
498 D D Compensation
500 D S Total Automatic Transfer Debits
501 D D Individual Automatic Transfer Debit
502 D D Bond Operations Debit
505 D S Total Book Transfer Debits
506 D D Book Transfer Debit
507 D S Total International Money Transfer Debits
508 D D Individual International Money Transfer Debits
510 D S Total International Debits
512 D D Letter of Credit Debit
513 D D Letter of Credit
514 D D Foreign Exchange Debit
515 D S Total Letters of Credit
516 D D Foreign Remittance Debit
518 D D Foreign Collection Debit
522 D D Foreign Checks Paid
524 D D Commission
526 D D International Money Market Trading
527 D D Standing Order
529 D D Miscellaneous International Debit
530 D S Total Security Debits
531 D D Securities Purchased
532 D S Total Amount of Securities Purchased
533 D D Security Collection Debit
534 D S Total Miscellaneous Securities DB - FF
535 D D Purchase of Equity Securities
536 D S Total Miscellaneous Securities Debit - CHF
537 D S Total Collection Debit
538 D D Matured Repurchase Order
539 D S Total Bankers' Acceptances Debit
540 D D Coupon Collection Debit
541 D D Bankers' Acceptances
542 D D Purchase of Debt Securities
543 D D Domestic Collection
544 D D Interest/Matured Principal Payment
546 D D Commercial Paper
547 D D Capital Change
548 D D Savings Bonds Sales Adjustment
549 D D Miscellaneous Security Debit
550 D S Total Deposited Items Returned
551 D S Total Credit Reversals
552 D D Credit Reversal
554 D D Posting Error Correction Debit
555 D D Deposited Item Returned
556 D S Total ACH Return Items
557 D D Individual ACH Return Item
558 D D ACH Reversal Debit
560 D S Total Rejected Debits
561 D D Individual Rejected Debit
563 D D Overdraft
564 D D Overdraft Fee
566 D D Return Item
567 D D Return Item Fee
568 D D Return Item Adjustment
570 D S Total ZBA Debits
574 D D Cumulative ZBA Debits
575 D D ZBA Debit
577 D D ZBA Debit Transfer
578 D D ZBA Debit Adjustment
580 D S Total Controlled Disbursing Debits
581 D D Individual Controlled Disbursing Debit
583 D S Total Disbursing Checks Paid - Early Amount
584 D S Total Disbursing Checks Paid - Later Amount
585 D S Disbursing Funding Requirement
586 D S FRB Presentment Estimate (Fed Estimate)
587 D S Late Debits (After Notification)
588 D S Total Disbursing Checks Paid - Last Amount
590 D S Total DTC Debits
594 D S Total ATM Debits
595 D D ATM Debit
596 D S Total ARP Debits
597 D D ARP Debit
601 D S Estimated Total Disbursement
602 D S Adjusted Total Disbursement
610 D S Total Funds Required
611 D S Total Wire Transfers Out - CHF
612 D S Total Wire Transfers Out - FF
613 D S Total International Debit - CHF
614 D S Total International Debit - FF
615 D S Total Federal Reserve Bank - Commercial Bank Debit
616 D D Federal Reserve Bank - Commercial Bank Debit
617 D S Total Securities Purchased - CHF
618 D S Total Securities Purchased - FF
621 D S Total Broker Debits - CHF
622 D D Broker Debit
623 D S Total Broker Debits - FF
625 D S Total Broker Debits
626 D S Total Fed Funds Purchased
627 D D Fed Funds Purchased
628 D S Total Cash Center Debits
629 D D Cash Center Debit
630 D S Total Debit Adjustments
631 D D Debit Adjustment
632 D S Total Trust Debits
633 D D Trust Debit
634 D D YTD Adjustment Debit
640 D S Total Escrow Debits
641 D D Individual Escrow Debit
644 D D Individual Back Value Debit
646 D S Transfer Calculation Debit
650 D S Investments Purchased
651 D D Individual Investment Purchased
654 D D Interest Debit
655 D S Total Investment Interest Debits
656 D D Sweep Principal Buy
657 D D Futures Debit
658 D D Principal Payments Debit
659 D D Interest Adjustment Debit
661 D D Account Analysis Fee
662 D D Correspondent Collection Debit
663 D D Correspondent Collection Adjustment
664 D D Loan Participation
665 D S Intercept Debits
666 D D Currency and Coin Shipped
667 D D Food Stamp Letter
668 D D Food Stamp Adjustment
669 D D Clearing Settlement Debit
670 D S Total Back Value Debits
672 D D Back Value Adjustment
673 D D Customer Payroll
674 D D FRB Statement Recap
676 D D Savings Bond Letter or Adjustment
677 D D Treasury Tax and Loan Debit
678 D D Transfer of Treasury Debit
679 D D FRB Government Checks Cash Letter Debit
681 D D FRB Government Check Adjustment
682 D D FRB Postal Money Order Debit
683 D D FRB Postal Money Order Adjustment
684 D D FRB Cash Letter Auto Charge Debit
685 D S Total Universal Debits
686 D D FRB Cash Letter Auto Charge Adjustment
687 D D FRB Fine-Sort Cash Letter Debit
688 D D FRB Fine-Sort Adjustment
689 D S FRB Freight Payment Debits
690 D S Total Miscellaneous Debits
691 D D Universal Debit
692 D D Freight Payment Debit
693 D D Itemized Debit Over $10,000
694 D D Deposit Reversal
695 D D Deposit Correction Debit
696 D D Regular Collection Debit
697 D D Cumulative Debits
698 D D Miscellaneous Fees
699 D D Miscellaneous Debit
"""
