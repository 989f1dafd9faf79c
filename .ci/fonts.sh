# Fonts for the PDF contract drafts: DejaVu (Latin, Cyrillic, Greek) and Droid Sans
# Fallback (Chinese, Japanese, Korean), from the distribution's packages when absent.
# Without them the drafts still render, reduced to what the fonts found can print (and the
# reader is told); tests/test_contract_locales.py fails, so CI installs them. poppler-utils
# (pdftotext, pdffonts, pdftoppm) is how that test reads the PDF back.
install_pdf_fonts() {
    local missing=()
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
    [ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || missing+=(fonts-droid-fallback)
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing ${missing[*]} from the distribution's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
