package sim

import (
	"unicode/utf8"

	"cmsrunbook/runbook"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// This file is what a node's Windows language changes: the code pages its
// console and its ANSI programs write in, and the words cluster.exe and
// Setup.com print. A scenario names the language (locale: ja-JP, pt-BR or
// it-IT, per node or for all); it is kept in the node's OS (runbook.OS
// Locale, "" for en-US).
//
// The translations follow /work/shared/domain/GLOSSARY.md (the terms of
// Microsoft's Japanese, Brazilian Portuguese and Italian editions of
// "Upgrading Clustered Mailbox Servers to Exchange 2007 SP1 or SP2"): each
// text below says which of its terms come from the glossary ("glossary")
// and which are only our best rendering of Windows' own wording
// ("rendered"), because no capture of a localized cluster.exe or Setup.com
// was found. Only the words change: the layouts, the switches, the names
// and the exit codes are those of the English programs. Error explanations
// (cluster.exe's "System error N" texts, Setup's prerequisite reasons) stay
// in English: rendering all of them would invent more than it teaches, and
// nothing decides on their words. Setup.com's step statuses and verdict
// lines are not kept here but in runbook.SetupLanguages (withSetupWords),
// the table the runbook classifies Setup's output with, so the simulated
// Setup always says what the runbook recognises.

// localeInfo is one Windows language.
type localeInfo struct {
	oem, ansi int // GetOEMCP and GetACP
	cluster   clusterText
	setup     setupText
}

// clusterText is what cluster.exe prints around its listings. The titles
// and progress lines are fmt formats taking the object's name.
type clusterText struct {
	nodesTitle, nodeTitle                                    string
	groupsTitle, groupTitle                                  string
	resTitle, resOneTitle                                    string
	nodeHeader, groupHeader, resHeader                       string
	pausing, resuming, moving, bringingOnline, takingOffline string
	// states maps the English state word (NodeState.Display,
	// GroupState.Display) to the language's.
	states map[string]string
}

// setupText is what Setup.com prints around its steps.
type setupText struct {
	welcome, preparing, upgradeRoles, prereq, configuring string
	completed, failed                                     string
	success, notDone, errorLine, reboot                   string
	// steps maps an English step or role name to the language's.
	steps map[string]string
}

// The English texts are the real captures' (PROCEDURES 2.3 and 4.1).
var english = localeInfo{oem: 437, ansi: 1252,
	cluster: clusterText{
		nodesTitle: "Listing status for all available nodes:", nodeTitle: "Listing status for node '%s':",
		groupsTitle: "Listing status for all available resource groups:", groupTitle: "Listing status for resource group '%s':",
		resTitle: "Listing status for all available resources:", resOneTitle: "Listing status for resource '%s':",
		nodeHeader: nodeHeader, groupHeader: groupHeader, resHeader: resHeader,
		pausing: "Pausing node '%s'...", resuming: "Resuming node '%s'...", moving: "Moving resource group '%s'...",
		bringingOnline: "Bringing resource group '%s' online...", takingOffline: "Taking resource group '%s' offline...",
	},
	setup: setupText{
		welcome: setupWelcome, preparing: setupPreparing, upgradeRoles: "The following server roles will be upgraded",
		prereq: setupPrereq, configuring: setupConfiguring, completed: "COMPLETED", failed: "FAILED",
		success: setupSuccess, notDone: setupNotDone, errorLine: setupError, reboot: setupReboot,
	},
}

// locales are the languages a scenario may name (config.Locales), by
// name. Windows' code pages for them: Japanese 932/932, Brazilian
// Portuguese and Italian 850/1252 (the OEMCP and ACP values under
// HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage).
var locales = map[string]*localeInfo{
	"":      &english,
	"en-US": &english,
	"ja-JP": &japaneseText,
	"pt-BR": &portugueseText,
	"it-IT": &italianText,
}

// Japanese, in the Microsoft article's style (GLOSSARY "Conventions":
// クラスタ without the long vowel, a half-width space between katakana
// words). Glossary: ノード, グループ (クラスタ グループ), リソース (リソース
// グループ), 状態 (BigFix), 一時停止 and 再開 (BigFix, for a node), 移動,
// オンライン/オフライン (オンラインにする), 失敗 (suggested), セットアップ,
// アップグレード, 前提条件, 削除, Exchange 管理ツール, クラスタ化メールボックス
// サーバー, 停止/開始 (suggested), 再起動 (suggested), エラー (suggested),
// 正常に完了 (BigFix). Rendered: the listing titles, 稼働中/停止中/参加中,
// 部分的にオンライン, the pending states, 完了 as the step status, the
// welcome, progress and verdict sentences.
var japaneseText = localeInfo{oem: 932, ansi: 932,
	cluster: clusterText{
		nodesTitle: "利用可能なすべてのノードの状態を一覧表示しています:", nodeTitle: "ノード '%s' の状態を一覧表示しています:",
		groupsTitle: "利用可能なすべてのリソース グループの状態を一覧表示しています:", groupTitle: "リソース グループ '%s' の状態を一覧表示しています:",
		resTitle: "利用可能なすべてのリソースの状態を一覧表示しています:", resOneTitle: "リソース '%s' の状態を一覧表示しています:",
		nodeHeader:  "ノード         ノード ID 状態",
		groupHeader: "グループ             ノード          状態",
		resHeader:   "リソース             グループ             ノード          状態",
		pausing:     "ノード '%s' を一時停止しています...", resuming: "ノード '%s' を再開しています...",
		moving: "リソース グループ '%s' を移動しています...", bringingOnline: "リソース グループ '%s' をオンラインにしています...",
		takingOffline: "リソース グループ '%s' をオフラインにしています...",
		states: map[string]string{"Up": "稼働中", "Down": "停止中", "Paused": "一時停止", "Joining": "参加中", "Unknown": "不明",
			"Online": "オンライン", "Offline": "オフライン", "Failed": "失敗", "Partially Online": "部分的にオンライン",
			"Online Pending": "オンライン保留中", "Offline Pending": "オフライン保留中"},
	},
	setup: withSetupWords("ja-JP", setupText{
		welcome:      "Microsoft Exchange Server 2007 無人セットアップへようこそ",
		preparing:    "Exchange セットアップを準備しています",
		upgradeRoles: "次のサーバーの役割がアップグレードされます",
		prereq:       "Microsoft Exchange Server の前提条件チェックを実行しています",
		configuring:  "Microsoft Exchange Server を構成しています",
		steps: map[string]string{
			"Mailbox Role": "メールボックスの役割", "Management Tools": "管理ツール",
			"Mailbox Role Checks": "メールボックスの役割のチェック", "Preparing Setup": "セットアップの準備",
			"Removing Exchange Files": "Exchange ファイルの削除", "Preparing Files": "ファイルの準備",
			"Copying Exchange files": "Exchange ファイルのコピー", "Mailbox Server Role": "メールボックス サーバーの役割",
			"Exchange Management Tools": "Exchange 管理ツール", "Finalizing Setup": "セットアップの最終処理",
			"Clustered Mailbox Server Checks":    "クラスタ化メールボックス サーバーのチェック",
			"Stopping Clustered Mailbox Server":  "クラスタ化メールボックス サーバーの停止",
			"Upgrading Clustered Mailbox Server": "クラスタ化メールボックス サーバーのアップグレード",
			"Starting Clustered Mailbox Server":  "クラスタ化メールボックス サーバーの開始",
		},
	}),
}

// Brazilian Portuguese. Glossary: nó, grupo de recursos, recurso(s),
// pausar and retomar (suggested), mover, online/offline (kept in English),
// com falha (suggested), Instalação (for Setup), atualizar (for upgrade),
// pré-requisitos, remover, Ferramentas de Gerenciamento do Exchange,
// servidor de caixas de correio em cluster (the recommended form), parar
// and iniciar (suggested), reiniciar (suggested), erro (suggested), status
// (suggested, in "status da cópia"). Rendered: the listing titles, Ativo,
// Inativo, Ingressando, Parcialmente online, the pending states, CONCLUÍDO
// and FALHA as step statuses, the welcome, progress and verdict sentences.
var portugueseText = localeInfo{oem: 850, ansi: 1252,
	cluster: clusterText{
		nodesTitle: "Listando o status de todos os nós disponíveis:", nodeTitle: "Listando o status do nó '%s':",
		groupsTitle: "Listando o status de todos os grupos de recursos disponíveis:", groupTitle: "Listando o status do grupo de recursos '%s':",
		resTitle: "Listando o status de todos os recursos disponíveis:", resOneTitle: "Listando o status do recurso '%s':",
		nodeHeader:  "Nó             ID do nó Status",
		groupHeader: "Grupo                Nó              Status",
		resHeader:   "Recurso              Grupo                Nó              Status",
		pausing:     "Pausando o nó '%s'...", resuming: "Retomando o nó '%s'...",
		moving: "Movendo o grupo de recursos '%s'...", bringingOnline: "Colocando o grupo de recursos '%s' online...",
		takingOffline: "Colocando o grupo de recursos '%s' offline...",
		states: map[string]string{"Up": "Ativo", "Down": "Inativo", "Paused": "Pausado", "Joining": "Ingressando", "Unknown": "Desconhecido",
			"Online": "Online", "Offline": "Offline", "Failed": "Com falha", "Partially Online": "Parcialmente online",
			"Online Pending": "Online pendente", "Offline Pending": "Offline pendente"},
	},
	setup: withSetupWords("pt-BR", setupText{
		welcome:      "Bem-vindo à Instalação Autônoma do Microsoft Exchange Server 2007",
		preparing:    "Preparando a Instalação do Exchange",
		upgradeRoles: "As seguintes funções de servidor serão atualizadas",
		prereq:       "Executando a verificação de pré-requisitos do Microsoft Exchange Server",
		configuring:  "Configurando o Microsoft Exchange Server",
		steps: map[string]string{
			"Mailbox Role": "Função Caixa de Correio", "Management Tools": "Ferramentas de Gerenciamento",
			"Mailbox Role Checks": "Verificações da Função Caixa de Correio", "Preparing Setup": "Preparando a Instalação",
			"Removing Exchange Files": "Removendo Arquivos do Exchange", "Preparing Files": "Preparando Arquivos",
			"Copying Exchange files": "Copiando arquivos do Exchange", "Mailbox Server Role": "Função Servidor de Caixa de Correio",
			"Exchange Management Tools": "Ferramentas de Gerenciamento do Exchange", "Finalizing Setup": "Finalizando a Instalação",
			"Clustered Mailbox Server Checks":    "Verificações do Servidor de Caixas de Correio em Cluster",
			"Stopping Clustered Mailbox Server":  "Parando o Servidor de Caixas de Correio em Cluster",
			"Upgrading Clustered Mailbox Server": "Atualizando o Servidor de Caixas de Correio em Cluster",
			"Starting Clustered Mailbox Server":  "Iniciando o Servidor de Caixas de Correio em Cluster",
		},
	}),
}

// Italian. Glossary: nodo, gruppo di risorse, risorse, sospendere and
// riprendere (suggested), Spostamento, in linea/fuori linea (portato in
// linea), non riuscito (suggested), programma di installazione (for
// Setup), aggiornare (for upgrade), Prerequisiti, Rimozione, eseguire,
// strumenti di gestione di Exchange, server di cassette postali in
// cluster, arrestare (suggested) and avviare, riavviare (suggested),
// errore (suggested), stato (suggested, in "stato della copia").
// Rendered: the listing titles, Attivo, Inattivo, In fase di aggiunta,
// Parzialmente in linea, the pending states, COMPLETATO and NON RIUSCITO
// as step statuses, the welcome, progress and verdict sentences.
var italianText = localeInfo{oem: 850, ansi: 1252,
	cluster: clusterText{
		nodesTitle: "Elenco dello stato di tutti i nodi disponibili:", nodeTitle: "Elenco dello stato del nodo '%s':",
		groupsTitle: "Elenco dello stato di tutti i gruppi di risorse disponibili:", groupTitle: "Elenco dello stato del gruppo di risorse '%s':",
		resTitle: "Elenco dello stato di tutte le risorse disponibili:", resOneTitle: "Elenco dello stato della risorsa '%s':",
		nodeHeader:  "Nodo           ID nodo Stato",
		groupHeader: "Gruppo               Nodo            Stato",
		resHeader:   "Risorsa              Gruppo               Nodo            Stato",
		pausing:     "Sospensione del nodo '%s' in corso...", resuming: "Ripresa del nodo '%s' in corso...",
		moving: "Spostamento del gruppo di risorse '%s' in corso...", bringingOnline: "Il gruppo di risorse '%s' viene portato in linea...",
		takingOffline: "Il gruppo di risorse '%s' viene portato fuori linea...",
		states: map[string]string{"Up": "Attivo", "Down": "Inattivo", "Paused": "Sospeso", "Joining": "In fase di aggiunta", "Unknown": "Sconosciuto",
			"Online": "In linea", "Offline": "Fuori linea", "Failed": "Non riuscito", "Partially Online": "Parzialmente in linea",
			"Online Pending": "In linea in sospeso", "Offline Pending": "Fuori linea in sospeso"},
	},
	setup: withSetupWords("it-IT", setupText{
		welcome:      "Installazione automatica di Microsoft Exchange Server 2007",
		preparing:    "Preparazione del programma di installazione di Exchange",
		upgradeRoles: "I seguenti ruoli del server verranno aggiornati",
		prereq:       "Esecuzione del controllo dei prerequisiti di Microsoft Exchange Server",
		configuring:  "Configurazione di Microsoft Exchange Server",
		steps: map[string]string{
			"Mailbox Role": "Ruolo Cassette postali", "Management Tools": "Strumenti di gestione",
			"Mailbox Role Checks": "Controlli ruolo Cassette postali", "Preparing Setup": "Preparazione dell'installazione",
			"Removing Exchange Files": "Rimozione dei file di Exchange", "Preparing Files": "Preparazione dei file",
			"Copying Exchange files": "Copia dei file di Exchange", "Mailbox Server Role": "Ruolo server Cassette postali",
			"Exchange Management Tools": "Strumenti di gestione di Exchange", "Finalizing Setup": "Finalizzazione dell'installazione",
			"Clustered Mailbox Server Checks":    "Controlli server di cassette postali in cluster",
			"Stopping Clustered Mailbox Server":  "Arresto del server di cassette postali in cluster",
			"Upgrading Clustered Mailbox Server": "Aggiornamento del server di cassette postali in cluster",
			"Starting Clustered Mailbox Server":  "Avvio del server di cassette postali in cluster",
		},
	}),
}

// withSetupWords fills in t the step statuses and verdict lines of the
// locale's Setup.com from runbook.SetupLanguages, the table the runbook
// classifies Setup's output with: the simulated Setup says exactly what
// the runbook recognises, and a change to one is a change to both.
func withSetupWords(locale string, t setupText) setupText {
	w := runbook.SetupLanguages[locale]
	t.completed, t.failed = w.Completed, w.Failed
	t.success, t.notDone, t.errorLine, t.reboot = w.Success, w.NotDone, w.Encountered, w.Reboot
	return t
}

// localeOf is the language of a locale name; English for "" and for a
// name the scenario reader would not have let through.
func localeOf(name string) *localeInfo {
	if l, ok := locales[name]; ok {
		return l
	}
	return &english
}

// lang is the node's language. Read with Sim.mu held.
func (n *node) lang() *localeInfo { return localeOf(n.os.Locale) }

// codePages are the node's OEM and ANSI code pages, for callers that
// already hold Sim.mu (a node host serving a script); others use
// NodeCodePages.
func (n *node) codePages() (oem, ansi int) {
	l := n.lang()
	return l.oem, l.ansi
}

// NodeCodePages reports a node's OEM code page (what cmd.exe and console
// programs such as cluster.exe and Setup.com write in) and its ANSI code
// page (what [Text.Encoding]::Default and Notepad-era programs use): 437
// and 1252 for an English node, 932 and 932 for a Japanese one, 850 and
// 1252 for a Portuguese or Italian one. An unknown node reads as English.
func (s *Sim) NodeCodePages(node string) (oem, ansi int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.w.node(node); n != nil {
		return n.codePages()
	}
	return english.oem, english.ansi
}

// oemEncodings are the code pages EncodeOEM writes.
var oemEncodings = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 1252: charmap.Windows1252,
	932: japanese.ShiftJIS,
}

// EncodeOEM encodes text as a Windows program writes it in code page cp
// (437, 850, 1252 or 932; anything else is taken as 437). A character the
// code page lacks goes through Windows' best fit first (a full-width form
// becomes its ASCII letter, a typographic quote a straight one where the
// page has none, so a full-width quote in a path can turn into a real
// quote) and is otherwise written as '?', as WideCharToMultiByte does
// with its default character.
func EncodeOEM(cp int, text string) []byte {
	enc, ok := oemEncodings[cp]
	if !ok {
		enc = charmap.CodePage437
	}
	e := enc.NewEncoder()
	out := make([]byte, 0, len(text))
	var one [utf8.UTFMax]byte
	for _, r := range text {
		n := utf8.EncodeRune(one[:], r)
		if b, err := e.Bytes(one[:n]); err == nil {
			out = append(out, b...)
			continue
		}
		if fit, ok := bestFit(r); ok {
			if b, err := e.Bytes([]byte(string(fit))); err == nil {
				out = append(out, b...)
				continue
			}
		}
		out = append(out, '?')
	}
	return out
}

// bestFit is the part of Windows' best-fit tables that matters for
// command lines and paths: full-width ASCII (U+FF01-U+FF5E) to ASCII, and
// typographic quotes and dashes to their ASCII forms.
func bestFit(r rune) (rune, bool) {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + '!', true
	case r == '\u2018' || r == '\u2019' || r == '\u201A':
		return '\'', true
	case r == '\u201C' || r == '\u201D' || r == '\u201E':
		return '"', true
	case r == '\u2013' || r == '\u2014':
		return '-', true
	}
	return 0, false
}

// clusterWord is a cluster.exe state word in the node's language.
func (x *interp) clusterWord(english string) string {
	if w, ok := x.n.lang().cluster.states[english]; ok {
		return w
	}
	return english
}

// clusterText is the node's cluster.exe wording.
func (x *interp) clusterText() *clusterText { return &x.n.lang().cluster }

// setupText is the node's Setup.com wording.
func (x *interp) setupText() *setupText { return &x.n.lang().setup }

// setupStep is a Setup step or role name in the node's language.
func (x *interp) setupStep(english string) string {
	if w, ok := x.setupText().steps[english]; ok {
		return w
	}
	return english
}

// dottedStep renders a Setup step line with its status in the node's
// language; completed picks COMPLETED or FAILED.
func (x *interp) dottedStep(name string, completed bool) string {
	t := x.setupText()
	status := t.failed
	if completed {
		status = t.completed
	}
	return dotted(x.setupStep(name), status)
}
